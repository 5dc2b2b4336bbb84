"""The portal's own Prometheus instruments: what web and worker processes record as it happens.

Counters and histograms only: each process adds to its own, and ``/metrics``
(portal/ops/metrics_view.py) adds them up. Figures that must be right whichever process
answers the scrape (the delivery ledger, queue depth, circuit states) are not recorded here
but read at scrape time (portal/ops/metrics_collectors.py).

Several processes: gunicorn workers and Celery pool processes each write their figures to
files in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode) and the scrape
merges every file there. The files are named by a process identifier that must differ between
processes running at the same time; prometheus_client's default is the pid, which repeats
across containers sharing the folder (docker-compose.yml), so it is the host name and the pid.

No Django here: portal/http.py's seam and the scan services call these functions directly.
"""

from __future__ import annotations

import os
import socket

from prometheus_client import Counter, Histogram, values


def process_identifier_of(pid: int) -> str:
    """Unique among processes writing to one folder at once, also across containers (each
    has its own host name). No "_": prometheus_client splits file names on it."""
    return f"{socket.gethostname()}-{pid}".replace("_", "-")


def process_identifier() -> str:
    return process_identifier_of(os.getpid())


if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Before any instrument below (and django-prometheus' middleware, created later) exists.
    values.ValueClass = values.MultiProcessValue(process_identifier)

# A site that takes more than 20 s has timed out (SITE_READ_TIMEOUT's default).
_SITE_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30)
_SCAN_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 90, 120)

SITE_REQUEST_SECONDS = Histogram(
    "portal_site_request_seconds",
    "Requests to CRM sites: time until the whole answer was read, or the request failed.",
    ["site", "outcome"],
    buckets=_SITE_BUCKETS,
)
SITE_REQUEST_ERRORS = Counter(
    "portal_site_request_errors",
    "Requests to CRM sites that got no answer, or an answer other than 2xx and 3xx.",
    ["site", "outcome"],
)
SCAN_SECONDS = Histogram(
    "portal_scan_seconds",
    "How long reading one site for the overdue scan took.",
    ["site", "outcome"],
    buckets=_SCAN_BUCKETS,
)
SCAN_TASKS_FOUND = Counter(
    "portal_scan_tasks_found",
    "Open tasks that scans found overdue or late, added up over scans.",
    ["site", "bucket"],
)

# What a request to a site came to: the answer's status class, or why there was none.
SUCCESS_OUTCOMES = frozenset({"2xx", "3xx"})


def site_label(site: str | None) -> str:
    return (site or "unknown")[:100]


def site_request_observed(site: str | None, outcome: str, seconds: float) -> None:
    """One request to a site (portal/http.py's seam calls this for every request)."""
    label = site_label(site)
    SITE_REQUEST_SECONDS.labels(site=label, outcome=outcome).observe(seconds)
    if outcome not in SUCCESS_OUTCOMES:
        SITE_REQUEST_ERRORS.labels(site=label, outcome=outcome).inc()


def scan_observed(*, site: str, ok: bool, seconds: float, overdue: int, late: int) -> None:
    """One site's scan, as booked (portal/notifications/services/runs.py)."""
    label = site_label(site)
    SCAN_SECONDS.labels(site=label, outcome="ok" if ok else "failed").observe(seconds)
    if ok:
        SCAN_TASKS_FOUND.labels(site=label, bucket="overdue").inc(overdue)
        SCAN_TASKS_FOUND.labels(site=label, bucket="late").inc(late)
