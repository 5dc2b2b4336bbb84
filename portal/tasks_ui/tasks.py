"""Celery tasks of bulk jobs: each loads by id and calls a service (``services/bulk_run.py``).
Messages are sent by name (``services/bulk.bulk_enqueue``); a duplicate message, or the
sweeper's, is harmless, since every row is claimed before it is worked on."""

from __future__ import annotations

from celery import shared_task

from portal.tasks_ui.services import bulk_run
from portal.tasks_ui.services.bulk import bulk_enqueue


# acks_late: with Redis, a message a killed worker had taken comes back after the visibility
# timeout; harmless (the claims), and the sweeper acts sooner on either broker.
# https://docs.celeryq.dev/en/stable/userguide/tasks.html#Task.acks_late
@shared_task(
    name="portal.tasks_ui.tasks.bulk_site",
    bind=True,
    ignore_result=True,
    acks_late=True,
)
def bulk_site(self, job_id: int, site_id: int) -> None:
    """One site's rows of a job; what is left after a slice goes back to the queue."""
    if bulk_run.bulk_site_run(job_id=job_id, site_id=site_id, worker=self.request.hostname or ""):
        bulk_enqueue(job_id=job_id, site_ids=[site_id])


@shared_task(name="portal.tasks_ui.tasks.bulk_sweep", ignore_result=True)
def bulk_sweep() -> dict:
    """Beat: rows of killed workers, and sites of jobs whose message was lost."""
    return bulk_run.bulk_sweep()


@shared_task(name="portal.tasks_ui.tasks.bulk_purge", ignore_result=True)
def bulk_purge() -> int:
    """Beat, daily: retention of finished jobs."""
    return bulk_run.bulk_purge()
