"""Figures read when /metrics is scraped, from where they are true for every process at once:
the delivery ledger and the last scans (database), the broker's queues, the sites' circuits
(the shared cache). Nothing here is counted in memory, so it does not matter which web process
answers the scrape, nor whether a worker restarted.

Each family is read on its own: a broker that does not answer costs its own figures
(``portal_broker_up 0``), not the database's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from celery import current_app
from django.conf import settings
from django.db.models import Count, Min, OuterRef, Subquery
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from portal import clock, metrics
from portal.notifications.models import Delivery, SiteScan
from portal.sites.models import Site
from portal.sites.services.circuit import circuit_of, circuit_state

log = logging.getLogger(__name__)

CIRCUIT_STATES = ("closed", "open", "half_open")
# Waiting to be sent once their time has come: new, or back after a failed attempt.
WAITING = (Delivery.Status.PENDING, Delivery.Status.RETRY)
BROKER_TIMEOUT_SECONDS = 2


def deliveries() -> Iterator[Metric]:
    by_status = GaugeMetricFamily(
        "portal_deliveries",
        "Deliveries in the ledger, by channel kind and status.",
        labels=["channel", "status"],
    )
    rows = Delivery.objects.values("channel_kind", "status").annotate(n=Count("id"))
    for row in rows.order_by("channel_kind", "status"):
        by_status.add_metric([row["channel_kind"], row["status"]], row["n"])
    yield by_status
    now = clock.now()
    oldest = Delivery.objects.filter(status__in=WAITING, send_after__lte=now).aggregate(
        due=Min("send_after")
    )["due"]
    yield GaugeMetricFamily(
        "portal_delivery_oldest_pending_seconds",
        "How long the oldest delivery due to be sent has waited since it was due (0: none).",
        value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    )


def last_scans() -> Iterator[Metric]:
    found = GaugeMetricFamily(
        "portal_scan_last_tasks_found",
        "Open tasks the latest successful scan of each active site found, by bucket.",
        labels=["site", "bucket"],
    )
    finished = GaugeMetricFamily(
        "portal_scan_last_success_timestamp_seconds",
        "When the latest successful scan of each active site finished (Unix time).",
        labels=["site"],
    )
    # Per site, its newest successful scan: one short index walk each, however long the
    # history kept (NOTIFY_RETENTION_DAYS) has grown.
    newest = SiteScan.objects.filter(site=OuterRef("pk"), status=SiteScan.Status.OK)
    latest = Site.objects.filter(is_active=True).annotate(
        scan_id=Subquery(newest.order_by("-id").values("id")[:1])
    )
    ids = [scan_id for scan_id in latest.values_list("scan_id", flat=True) if scan_id]
    for scan in SiteScan.objects.filter(pk__in=ids).select_related("site").order_by("site__name"):
        label = metrics.site_label(scan.site.name)
        found.add_metric([label, "overdue"], scan.overdue_count)
        found.add_metric([label, "late"], scan.late_count)
        if scan.finished_at:
            finished.add_metric([label], scan.finished_at.timestamp())
    yield found
    yield finished


def circuits() -> Iterator[Metric]:
    state = GaugeMetricFamily(
        "portal_site_circuit_state",
        "Each active site's circuit breaker: 1 for the state it is in, 0 for the others.",
        labels=["site", "state"],
    )
    failures = GaugeMetricFamily(
        "portal_site_circuit_failures",
        "Failures in a row each active site's circuit has counted.",
        labels=["site"],
    )
    for site in Site.objects.filter(is_active=True).only("pk", "name").order_by("name"):
        label = metrics.site_label(site.name)
        now = circuit_state(site.pk)
        for name in CIRCUIT_STATES:
            state.add_metric([label, name], 1.0 if name == now else 0.0)
        failures.add_metric([label], circuit_of(site.pk).failures)
    yield state
    yield failures


def queue_names() -> list[str]:
    names = ["celery", settings.NOTIFY_QUEUE, settings.INBOX_BULK_QUEUE]
    return sorted(set(names))


def queues() -> Iterator[Metric]:
    """Messages waiting in each of the portal's queues: Redis list lengths (every priority),
    or message files in the embedded broker's folder, through kombu's own count."""
    depth = GaugeMetricFamily(
        "portal_queue_messages",
        "Messages waiting in each Celery queue of the portal (not yet taken by a worker).",
        labels=["queue"],
    )
    up = 1.0
    try:
        with current_app.connection_for_read(connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
            channel = conn.default_channel
            for name in queue_names():
                # kombu's virtual transports (Redis, filesystem) count a queue with _size.
                depth.add_metric([name], channel._size(name))
    except Exception as exc:  # the broker is down: say so instead of failing the scrape
        log.warning("metrics: could not read the broker's queues: %s", type(exc).__name__)
        up = 0.0
    yield depth
    yield GaugeMetricFamily(
        "portal_broker_up", "1 when the broker answered this scrape, else 0.", value=up
    )


FAMILIES = (deliveries, last_scans, circuits, queues)


class PortalCollector(Collector):
    """Every scrape-time family; one that fails is left out and logged, the others stay."""

    def collect(self) -> Iterator[Metric]:
        for family in FAMILIES:
            try:
                yield from list(family())
            except Exception:
                log.exception("metrics: %s could not be read", family.__name__)
