"""Celery tasks: each loads by id and calls a service (the services are what tests exercise
under a set clock). Sends are idempotent through the ledger's claim, so a duplicate message or
a sweeper's requeue is harmless.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import transaction

from portal.notifications.models import SiteScan
from portal.notifications.services import ledger, runs
from portal.notifications.services.send import delivery_send


def _enqueue(task, *args) -> None:
    task.apply_async(args=list(args), queue=settings.NOTIFY_QUEUE)


@shared_task(name="portal.notifications.tasks.scan_all", ignore_result=True)
def scan_all() -> int:
    """Beat: one scan of every active site, one task per site."""
    run = runs.scan_run_start(trigger="beat")
    scan_ids = list(SiteScan.objects.filter(run=run).values_list("pk", flat=True))
    transaction.on_commit(lambda: [_enqueue(scan_site, pk) for pk in scan_ids])
    return run.pk


@shared_task(
    name="portal.notifications.tasks.scan_site",
    ignore_result=True,
    soft_time_limit=settings.NOTIFY_SITE_SCAN_TIMEOUT,
    time_limit=settings.NOTIFY_SITE_SCAN_TIMEOUT + 30,
)
def scan_site(site_scan_id: int) -> None:
    if runs.site_scan_execute(site_scan_id=site_scan_id):
        run_id = SiteScan.objects.filter(pk=site_scan_id).values_list("run_id", flat=True).first()
        _enqueue(plan_run, run_id)


@shared_task(name="portal.notifications.tasks.plan_run", ignore_result=True)
def plan_run(run_id: int) -> int:
    return len(runs.scan_run_plan(run_id=run_id))


# acks_late: with Redis, a message a killed worker had taken comes back after the visibility
# timeout; harmless, as the claim lets one worker send a row once. The sweeper acts sooner.
# https://docs.celeryq.dev/en/stable/userguide/tasks.html#Task.acks_late
@shared_task(
    name="portal.notifications.tasks.send_delivery", bind=True, ignore_result=True, acks_late=True
)
def send_delivery(self, delivery_id: int) -> str:
    return delivery_send(delivery_id=delivery_id, worker=self.request.hostname or "")


@shared_task(name="portal.notifications.tasks.sweep", ignore_result=True)
def sweep() -> dict:
    """Beat: requeue what no worker holds, settle lost claims and lost site scans."""
    result = ledger.ledger_sweep()
    for run_id in runs.scan_runs_sweep():
        _enqueue(plan_run, run_id)
    return result


@shared_task(name="portal.notifications.tasks.purge", ignore_result=True)
def purge() -> dict:
    """Beat, daily: retention of old deliveries, runs and inbound records."""
    return ledger.ledger_purge()
