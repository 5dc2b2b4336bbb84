"""The worker side of bulk jobs: one site's rows of a job, the sweeper, and retention.

A worker takes one message per site of a job, so sites are worked on concurrently across
workers and processes, each site's rows one after another (a site's own slots still cap its
concurrent requests). Each row is claimed with a conditional update (``pending`` → ``running``),
goes through the same services as a single action (audited, the site's cache bumped), and its
outcome is written at once, guarded by the claim. A worker stops taking rows after
``SLICE_SECONDS`` and enqueues the rest, so one big job neither meets the task time limit nor
holds a worker from other work for long.

A row whose claim outlived ``INBOX_BULK_CLAIM_SECONDS`` belonged to a worker that was killed,
perhaps after the site made the change. The sweeper gives it back marked ``recheck``, and the
next worker reads the task first: already showing the wanted status (or gone, for a delete),
the row is done without sending anything again; otherwise it is done now.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, F, Max, Q
from django.utils import translation
from django.utils.translation import gettext as _

from portal import clock
from portal.sites.audit import audit_record
from portal.sites.backends.errors import NotFound
from portal.sites.buckets import portal_status
from portal.sites.services.clients import site_features
from portal.sites.write_outcome import WriteNotApplied
from portal.tasks_ui.fanout import problem_for
from portal.tasks_ui.models import BulkJob, BulkRow
from portal.tasks_ui.selectors.sources import Source, site_call, sources_for_user
from portal.tasks_ui.services.bulk import bulk_enqueue
from portal.tasks_ui.services.writes import (
    AlreadyGone,
    task_delete,
    task_status_set,
    task_status_set_many,
)

log = logging.getLogger(__name__)
State = BulkRow.State
UNFINISHED = (State.PENDING, State.RUNNING)
# A worker takes no new row of a site after this long (or half the task's soft time limit, if
# less), leaving room for the row in hand: a delete is three requests, each bounded by
# SITE_CONNECT_TIMEOUT + SITE_READ_TIMEOUT. Should the limit strike anyway, the row is
# given back to be checked.
SLICE_SECONDS = 60.0
# Rows per call on sites that change many tasks at once: small enough that a slow site's
# batch (asked task by task when the role may not mass-update) stays well within a slice.
BATCH_ROWS = 20


@dataclass(frozen=True)
class Outcome:
    state: str
    title: str
    message: str = ""


def bulk_site_run(
    *, job_id: int, site_id: int, worker: str = "", budget: float | None = None
) -> bool:
    """Works through the job's pending rows on one site until none is left or ``budget``
    seconds have passed. Returns True when rows are left for another message."""
    if budget is None:
        budget = min(SLICE_SECONDS, settings.CELERY_TASK_SOFT_TIME_LIMIT / 2)
    job = BulkJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None:  # purged meanwhile
        return False
    with translation.override(job.language):
        return _site_rows(job, site_id, worker, budget)


def _site_rows(job: BulkJob, site_id: int, worker: str, budget: float) -> bool:
    # Access as it is now, not as it was when the job started.
    sources, missing = sources_for_user(user=job.owner, site_ids=[site_id])
    if not sources:
        reason = missing[0].problem.message if missing else _("No such site.")
        _fail_unclaimed(job, Q(site_id=site_id), reason)
        bulk_finish_if_done(job_id=job.pk)
        return False
    source = sources[0]
    deadline = time.monotonic() + budget
    if job.action != BulkJob.Action.DELETE and site_features(source.site).bulk_status_calls:
        # Sites with a call for many tasks take the rows a batch at a time; rows a killed
        # worker left (``recheck``) still go one by one below, read before they are redone.
        while batch := _claim_batch(job, site_id, worker):
            try:
                outcomes = _batch_outcomes(job, source, batch)
            except SoftTimeLimitExceeded:
                for row in batch:
                    _release(row)
                return True
            for row in batch:
                _record(row, outcomes[row.pk])
            if time.monotonic() > deadline and _pending(job, site_id):
                return True
    while True:
        row = _claim_next(job, site_id, worker)
        if row is None:
            break
        try:
            outcome = _row_do(job, source, row)
        except SoftTimeLimitExceeded:
            # Stopped inside a request that may have reached the site: checked before redoing.
            _release(row)
            return True
        _record(row, outcome)
        if time.monotonic() > deadline and _pending(job, site_id):
            return True
    bulk_finish_if_done(job_id=job.pk)
    return False


def _pending(job: BulkJob, site_id: int) -> bool:
    return job.rows.filter(site_id=site_id, state=State.PENDING).exists()


def _claim_next(job: BulkJob, site_id: int, worker: str) -> BulkRow | None:
    """The next pending row of the site, now ours; None when there is none left."""
    while True:
        row = job.rows.filter(site_id=site_id, state=State.PENDING).order_by("position").first()
        if row is None:
            return None
        token = secrets.token_hex(8)
        claimed = BulkRow.objects.filter(pk=row.pk, state=State.PENDING).update(
            state=State.RUNNING,
            claim_token=token,
            claimed_at=clock.now(),
            worker=worker[:200],
            attempts=F("attempts") + 1,  # every claim counts, a killed worker's too
        )
        if claimed:
            row.claim_token = token
            return row
        # Another worker took it first: look again.


def _claim_batch(job: BulkJob, site_id: int, worker: str) -> list[BulkRow]:
    """Up to ``BATCH_ROWS`` pending rows of the site that need no recheck, now ours."""
    ids = list(
        job.rows.filter(site_id=site_id, state=State.PENDING, recheck=False)
        .order_by("position")
        .values_list("pk", flat=True)[:BATCH_ROWS]
    )
    token = secrets.token_hex(8)
    BulkRow.objects.filter(pk__in=ids, state=State.PENDING).update(
        state=State.RUNNING, claim_token=token, claimed_at=clock.now(), worker=worker[:200],
        attempts=F("attempts") + 1,
    )  # fmt: skip
    return list(BulkRow.objects.filter(pk__in=ids, claim_token=token).order_by("position"))


def _batch_outcomes(job: BulkJob, source: Source, rows: list[BulkRow]) -> dict[int, Outcome]:
    answers = task_status_set_many(
        user=job.owner, source=source, task_ids=[row.task_id for row in rows],
        status=job.to_status or "done",
    )  # fmt: skip
    outcomes = {}
    for row in rows:
        answer = answers[row.task_id]
        if isinstance(answer, Exception):
            outcomes[row.pk] = _failure(answer, source, row.title)
        else:
            outcomes[row.pk] = Outcome(State.OK, answer.title or row.title)
    return outcomes


def _failure(error: Exception, source: Source, title: str) -> Outcome:
    if isinstance(error, AlreadyGone):
        return Outcome(State.GONE, title, error.message)
    if isinstance(error, WriteNotApplied):
        return Outcome(State.FAILED, error.task.title or title, error.message)
    return Outcome(State.FAILED, title, problem_for(error, source.site).message)


def _record(row: BulkRow, outcome: Outcome) -> None:
    """The outcome, unless our claim was taken away (the sweeper thought us dead): then the
    row's next worker checks the site and finds what we did."""
    BulkRow.objects.filter(pk=row.pk, state=State.RUNNING, claim_token=row.claim_token).update(
        state=outcome.state,
        title=outcome.title[:300],
        message=outcome.message,
        recheck=False,
        finished_at=clock.now(),
    )


def _release(row: BulkRow) -> None:
    BulkRow.objects.filter(pk=row.pk, state=State.RUNNING, claim_token=row.claim_token).update(
        state=State.PENDING, recheck=True, claim_token=""
    )


def _fail_unclaimed(job: BulkJob, where: Q, reason: str) -> int:
    return job.rows.filter(where, state=State.PENDING).update(
        state=State.FAILED, message=reason, finished_at=clock.now(), recheck=False
    )


def _row_do(job: BulkJob, source: Source, row: BulkRow) -> Outcome:
    if row.recheck:
        found = _row_check(job, source, row)
        if found is not None:
            return found
    return _row_outcome(job.owner, source, job.action, job.to_status or None, row)


def _row_outcome(
    user: User, source: Source, action: str, status: str | None, row: BulkRow
) -> Outcome:
    """One row through the same service as a single action. A site that answered without
    making the change fails the row in its own words; the title shown becomes the site's."""
    title = row.title
    try:
        if action == BulkJob.Action.DELETE:
            before = task_delete(user=user, source=source, task_id=row.task_id)
        else:
            before = task_status_set(
                user=user, source=source, task_id=row.task_id, status=status or "done"
            )
        title = before.title if before is not None and before.title else title
        return Outcome(State.OK, title)
    except SoftTimeLimitExceeded:
        raise
    except Exception as error:  # noqa: BLE001 - every row must end with an outcome
        return _failure(error, source, title)


def _row_check(job: BulkJob, source: Source, row: BulkRow) -> Outcome | None:
    """The worker before us stopped while on this row, maybe after the site made the change.
    Reads the task: showing the wanted end, the row is done (and audited as found so);
    otherwise None, and the row is done again. A task that cannot be read is not changed
    blindly: the row fails, asking the person to look."""
    try:
        task = site_call(source, lambda backend: backend.get(row.task_id))
    except SoftTimeLimitExceeded:
        raise
    except NotFound:
        if job.action != BulkJob.Action.DELETE:
            return None  # the status change then fails in the site's own words
        _audit_found(job, source, row, {"title": row.title})
        return Outcome(State.OK, row.title)
    except Exception as error:  # noqa: BLE001 - the row must end with an outcome
        problem = problem_for(error, source.site).message
        message = _(
            "Interrupted, and %(site)s could not be asked whether it was done (%(problem)s): "
            "check this task there."
        ) % {"site": source.site.name, "problem": problem}
        return Outcome(State.FAILED, row.title, message)
    title = task.title or row.title
    if job.action == BulkJob.Action.STATUS and portal_status(task.status) == job.to_status:
        _audit_found(job, source, row, {"status": job.to_status})
        return Outcome(State.OK, title)
    return None


def _audit_found(job: BulkJob, source: Source, row: BulkRow, changes: dict) -> None:
    """The change is on the site, though no worker lived to record it."""
    audit_record(
        user=job.owner,
        site=source.site,
        action="task_delete" if job.action == BulkJob.Action.DELETE else "task_status",
        task_id=row.task_id,
        changes={**changes, "checked": "found done on the site after a worker stopped"},
        credential=f"oauth connection of {source.site_user_id}",
    )


def bulk_finish_if_done(*, job_id: int) -> bool:
    if BulkRow.objects.filter(job_id=job_id, state__in=UNFINISHED).exists():
        return False
    return (
        BulkJob.objects.filter(pk=job_id, finished_at__isnull=True).update(
            status=BulkJob.Status.FINISHED, finished_at=clock.now()
        )
        == 1
    )


def bulk_sweep() -> dict[str, int]:
    """Periodic: gives back rows whose claim expired (to be checked before anything is sent
    again), and enqueues every site of an unfinished job that no worker has touched for a
    lease: its message was lost with a killed worker, or never reached the broker."""
    now = clock.now()
    lease = timedelta(seconds=settings.INBOX_BULK_CLAIM_SECONDS)
    released = BulkRow.objects.filter(state=State.RUNNING, claimed_at__lt=now - lease).update(
        state=State.PENDING, recheck=True, claim_token=""
    )
    enqueued = finished = 0
    stale = BulkJob.objects.filter(finished_at__isnull=True).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - lease)
    )
    for job in stale[:1000]:
        with translation.override(job.language):
            # A site removed since the job started: its rows lost their site.
            _fail_unclaimed(job, Q(site__isnull=True), _("No such site."))
        groups = (
            job.rows.filter(site__isnull=False)
            .values("site_id")
            .annotate(
                pending=Count("pk", filter=Q(state=State.PENDING)),
                running=Count("pk", filter=Q(state=State.RUNNING)),
                touched=Max("claimed_at"),
            )
        )
        idle = [
            group["site_id"]
            for group in groups
            if group["pending"] and not group["running"]
            and (group["touched"] is None or group["touched"] < now - lease)
        ]  # fmt: skip
        if idle:
            BulkJob.objects.filter(pk=job.pk).update(enqueued_at=now)
            bulk_enqueue(job_id=job.pk, site_ids=idle)
            enqueued += len(idle)
        elif bulk_finish_if_done(job_id=job.pk):  # the last worker died before saying so
            finished += 1
    return {"released": released, "enqueued": enqueued, "finished": finished}


def bulk_purge() -> int:
    """Retention: jobs (and their rows) older than INBOX_BULK_RETENTION_DAYS."""
    cutoff = clock.now() - timedelta(days=settings.INBOX_BULK_RETENTION_DAYS)
    _count, by_model = BulkJob.objects.filter(created_at__lt=cutoff).delete()
    return by_model.get(BulkJob._meta.label, 0)
