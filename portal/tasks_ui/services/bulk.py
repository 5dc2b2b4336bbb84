"""Bulk status changes and deletes across sites: starting a job and reading its progress.

The request that starts a job only writes it to the database (a ``BulkJob`` and one ``BulkRow``
per task) and, once that is committed, hands the broker one message per site; it returns at
once with a page that shows progress (htmx polls it; without JavaScript it refreshes itself).
Workers do the rest (``bulk_run.py``): nothing depends on the web process after that, and
every row's outcome is in the database as soon as it is known, for any web process to show.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal import clock
from portal.sites.backends.types import PortalStatus
from portal.task_ids import task_id_valid
from portal.tasks_ui.models import BulkJob, BulkRow
from portal.tasks_ui.selectors.sources import sources_for_user

log = logging.getLogger(__name__)
State = BulkRow.State
SITE_TASK = "portal.tasks_ui.tasks.bulk_site"


def parse_keys(keys: list[str]) -> list[tuple[int, str]]:
    """``site_id:task_id`` pairs from a form, deduplicated, malformed ones dropped."""
    seen: dict[tuple[int, str], None] = {}
    for key in keys:
        site, _sep, task = str(key).partition(":")
        if site.isascii() and site.isdigit() and task_id_valid(task):
            seen[(int(site), task)] = None
    return list(seen)


def bulk_start(
    *,
    user: User,
    action: BulkJob.Action | str,
    status: PortalStatus | None,
    pairs: list[tuple[int, str]],
    titles: dict[tuple[int, str], str] | None = None,
) -> str:
    """Writes the job and enqueues it once committed; returns its public id. Rows on sites the
    user may not see, or has no usable connection to, fail at once, naming the reason (workers
    check again when they reach the site: a grant may be withdrawn meanwhile)."""
    pairs = pairs[: settings.INBOX_BULK_MAX]
    titles = titles or {}
    sources, missing = sources_for_user(user=user, site_ids={site for site, _task in pairs})
    by_site = {source.site.pk: source.site for source in sources}
    problems = {outcome.site.pk: outcome for outcome in missing}
    now = clock.now()
    rows = []
    for position, (site_id, task_id) in enumerate(pairs):
        row = BulkRow(position=position, task_id=task_id, title=titles.get((site_id, task_id), ""))
        row.title = row.title[:300]
        if site_id in by_site:
            row.site, row.site_name = by_site[site_id], by_site[site_id].name
        elif site_id in problems:
            outcome = problems[site_id]
            row.site, row.site_name = outcome.site, outcome.site.name
            row.state, row.message, row.finished_at = State.FAILED, outcome.problem.message, now
        else:  # not visible to this person: no name, nothing that tells it exists
            row.state, row.message, row.finished_at = State.FAILED, _("No such site."), now
        rows.append(row)
    site_ids = sorted({row.site.pk for row in rows if row.state == State.PENDING})
    with transaction.atomic():
        job = BulkJob.objects.create(
            owner=user,
            action=action,
            to_status=status or "",
            language=(get_language() or settings.LANGUAGE_CODE)[:8],
            created_at=now,
            enqueued_at=now if site_ids else None,
            status=BulkJob.Status.RUNNING if site_ids else BulkJob.Status.FINISHED,
            finished_at=None if site_ids else now,
        )
        for row in rows:
            row.job = job
        BulkRow.objects.bulk_create(rows, batch_size=500)
        transaction.on_commit(lambda: bulk_enqueue(job_id=job.pk, site_ids=site_ids))
    return job.public_id


def bulk_enqueue(*, job_id: int, site_ids: Iterable[int]) -> None:
    """One message per site of the job, sent by task name (this module never imports the
    tasks). A broker that is down loses nothing: the sweeper enqueues what nobody works on."""
    for site_id in site_ids:
        try:
            current_app.send_task(
                SITE_TASK, args=[job_id, site_id], queue=settings.INBOX_BULK_QUEUE
            )
        except Exception:  # noqa: BLE001 - the broker down: the sweeper will enqueue it
            log.warning("could not enqueue bulk job %s; the sweeper will", job_id)
            return


@dataclass(frozen=True)
class BulkProgress:
    """A job as its progress page shows it."""

    job: BulkJob
    rows: list[BulkRow]
    done: int
    failed: int
    gone: int

    @property
    def action(self) -> str:
        return self.job.action

    @property
    def status(self) -> str:
        return self.job.to_status

    @property
    def finished(self) -> bool:
        return self.done == len(self.rows)


def bulk_job(*, user: User, job_id: str) -> BulkProgress | None:
    """The job's state from the database, or None when it is unknown, purged, or someone
    else's (the page then answers 404 either way)."""
    job = BulkJob.objects.filter(public_id=str(job_id)[:32], owner_id=user.pk).first()
    if job is None:
        return None
    rows = list(job.rows.order_by("position"))
    # Counted from the rows read, so the figures always match the table beside them.
    states = [row.state for row in rows]
    return BulkProgress(
        job=job,
        rows=rows,
        done=sum(1 for state in states if state not in (State.PENDING, State.RUNNING)),
        failed=states.count(State.FAILED),
        gone=states.count(State.GONE),
    )


def bulk_wait(public_id: str, timeout: float = 120.0) -> BulkJob:
    """For scripts and tests: waits until the job's rows all have an outcome, and returns it."""
    deadline = time.monotonic() + timeout
    while True:
        job = BulkJob.objects.get(public_id=public_id)
        if not job.rows.filter(state__in=[State.PENDING, State.RUNNING]).exists():
            return job
        if time.monotonic() > deadline:
            raise TimeoutError(f"bulk job {public_id} still running after {timeout} s")
        time.sleep(0.2)
