"""Helpers for bulk job tests: start a job through the page, work it here or wait for workers,
read its rows from the page."""

from __future__ import annotations

import re
import time

from portal.tasks_ui.models import BulkJob, BulkRow
from portal.tasks_ui.services.bulk_run import bulk_site_run

JOB_URL = re.compile(r"/tasks/bulk/([\w-]+)/")


def insert(standin, name, count, **fields):
    status = "Open" if name == "cairo" else "Todo"
    rows = [{"title": f"Bulk {name} {i}", "status": status, **fields} for i in range(count)]
    return standin.sites[name].control.insert_tasks(rows)


def post_job(client, data) -> tuple[str, str]:
    """Posts the bulk form; returns the progress page's URL and the job's public id."""
    response = client.post("/tasks/bulk/", data)
    assert response.status_code == 302, response.content.decode()[-1500:]
    return response["Location"], JOB_URL.search(response["Location"]).group(1)


def run_here(public_id: str) -> None:
    """What workers do with the job's messages, done in this process (for tests that are about
    rows and pages, not processes): every site's rows, slice after slice."""
    job = BulkJob.objects.get(public_id=public_id)
    pending = job.rows.filter(state=BulkRow.State.PENDING, site__isnull=False)
    for site_id in sorted(set(pending.values_list("site_id", flat=True))):
        while bulk_site_run(job_id=job.pk, site_id=site_id, worker="here"):
            pass


def states(html: str) -> dict[str, str]:
    """Task id → row state, from the progress page."""
    return dict(re.findall(r'data-task="(\d+)" data-state="(\w+)"', html))


def wait_until(predicate, *, timeout: float = 90, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
