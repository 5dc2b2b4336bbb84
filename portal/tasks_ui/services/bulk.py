"""Bulk status changes and deletes across sites, with progress while they run.

A bulk action runs in a background thread of the web process: the request that starts it
returns at once with a page that shows progress (htmx polls it; without JavaScript it refreshes
itself). Sites are worked on concurrently, each site's rows one after another (a site's own
slots still cap its concurrent requests). Every row's outcome is written to the cache under its
own key as soon as it is known, so progress reads need no locking and any web process can
answer them. Rows go through the same services as single actions: audited, cache bumped.
"""

from __future__ import annotations

import secrets
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connections
from django.utils.translation import gettext as _

from portal import clock
from portal.sites.frappe.models import PortalStatus
from portal.sites.write_outcome import WriteNotApplied
from portal.tasks_ui.fanout import problem_for, run_concurrently
from portal.tasks_ui.selectors.sources import Source, sources_for_user
from portal.tasks_ui.services.writes import AlreadyGone, task_delete, task_status_set

JOB_SECONDS = 3600
# No row finished for this long while rows are still waiting: the process running the job is
# gone (a restart, a crash). Every call to a site is bounded far below this.
STALL_SECONDS = 300
Action = Literal["status", "delete"]
# "gone": a delete that found the task already deleted (the wanted end, but not this job's doing)
RowState = Literal["pending", "ok", "failed", "gone"]

_threads: dict[str, threading.Thread] = {}


@dataclass(frozen=True)
class BulkRow:
    site_id: int
    site_name: str
    task_id: int
    title: str = ""
    state: RowState = "pending"
    message: str = ""


@dataclass(frozen=True)
class BulkJob:
    job_id: str
    action: Action
    status: str
    rows: tuple[BulkRow, ...]
    started_at: str

    @property
    def done(self) -> int:
        return sum(1 for row in self.rows if row.state != "pending")

    @property
    def failed(self) -> int:
        return sum(1 for row in self.rows if row.state == "failed")

    @property
    def gone(self) -> int:
        return sum(1 for row in self.rows if row.state == "gone")

    @property
    def finished(self) -> bool:
        return self.done == len(self.rows)


def _key(job_id: str, part: str = "") -> str:
    return f"tasks-bulk:{job_id}{':' + part if part else ''}"


def parse_keys(keys: list[str]) -> list[tuple[int, int]]:
    """``site_id:task_id`` pairs from a form, deduplicated, malformed ones dropped."""
    seen: dict[tuple[int, int], None] = {}
    for key in keys:
        site, _, task = str(key).partition(":")
        if site.isdigit() and task.isdigit() and int(task) > 0:
            seen[(int(site), int(task))] = None
    return list(seen)


def bulk_start(
    *,
    user: User,
    action: Action,
    status: PortalStatus | None,
    pairs: list[tuple[int, int]],
    titles: dict[tuple[int, int], str] | None = None,
    background: bool = True,
) -> str:
    """Registers the job and starts it; returns its id. Rows on sites the user may not see or
    has no usable connection to fail at once, naming the reason."""
    pairs = pairs[: settings.INBOX_BULK_MAX]
    titles = titles or {}
    sources, missing = sources_for_user(user=user, site_ids={site for site, _ in pairs})
    by_site = {source.site.pk: source for source in sources}
    problems = {outcome.site.pk: outcome for outcome in missing}
    rows = []
    for site_id, task_id in pairs:
        title = titles.get((site_id, task_id), "")[:300]
        if site_id in by_site:
            rows.append(BulkRow(site_id, by_site[site_id].site.name, task_id, title))
        elif site_id in problems:
            outcome = problems[site_id]
            rows.append(
                BulkRow(
                    site_id, outcome.site.name, task_id, title, "failed", outcome.problem.message
                )
            )
        else:
            rows.append(BulkRow(site_id, "", task_id, title, "failed", _("No such site.")))
    job_id = secrets.token_urlsafe(12)
    header = {
        "owner": user.pk,
        "action": action,
        "status": status or "",
        "rows": rows,
        "started_at": clock.now().isoformat(),
    }
    cache.set(_key(job_id), header, JOB_SECONDS)
    _beat(job_id)
    for index, row in enumerate(rows):
        if row.state != "pending":
            cache.set(_key(job_id, str(index)), row, JOB_SECONDS)
    work = [(i, row) for i, row in enumerate(rows) if row.state == "pending"]
    runner = threading.Thread(
        target=_run,
        args=(job_id, user, action, status, work, by_site),
        name=f"inbox-bulk-{job_id}",
        daemon=True,
    )
    _threads[job_id] = runner
    runner.start()
    if not background:
        runner.join()
    return job_id


def _run(
    job_id: str,
    user: User,
    action: Action,
    status: PortalStatus | None,
    work: list[tuple[int, BulkRow]],
    by_site: dict[int, Source],
) -> None:
    per_site: dict[int, list[tuple[int, BulkRow]]] = defaultdict(list)
    for index, row in work:
        per_site[row.site_id].append((index, row))

    def site_rows(source: Source, items: list[tuple[int, BulkRow]]):
        def run() -> None:
            for index, row in items:
                done = _row_outcome(user, source, action, status, row)
                cache.set(_key(job_id, str(index)), done, JOB_SECONDS)
                _beat(job_id)

        return run

    try:
        run_concurrently(
            [site_rows(by_site[site_id], items) for site_id, items in per_site.items()]
        )
    finally:
        connections.close_all()
        _threads.pop(job_id, None)


def _row_outcome(
    user: User, source: Source, action: Action, status: PortalStatus | None, row: BulkRow
) -> BulkRow:
    """One row through the same service as a single action. A site that answered without
    making the change fails the row in its own words; the title shown becomes the site's."""
    title = row.title
    try:
        if action == "delete":
            before = task_delete(user=user, source=source, task_id=row.task_id)
        else:
            before = task_status_set(
                user=user, source=source, task_id=row.task_id, status=status or "done"
            )
        title = before.title if before is not None and before.title else title
        return BulkRow(row.site_id, row.site_name, row.task_id, title[:300], "ok")
    except AlreadyGone as gone:
        return BulkRow(row.site_id, row.site_name, row.task_id, title, "gone", gone.message)
    except WriteNotApplied as refused:
        title = refused.task.title or title
        return BulkRow(
            row.site_id, row.site_name, row.task_id, title[:300], "failed", refused.message
        )
    except Exception as error:  # noqa: BLE001 - every row must end with an outcome
        message = problem_for(error, source.site).message
        return BulkRow(row.site_id, row.site_name, row.task_id, title, "failed", message)


def _beat(job_id: str) -> None:
    """The job is alive: written when it starts and after every row."""
    cache.set(_key(job_id, "beat"), clock.now().timestamp(), JOB_SECONDS)


def bulk_job(*, user: User, job_id: str) -> BulkJob | None:
    """The job's state, or None when it is unknown, expired, or someone else's. Rows of a job
    whose process has gone read as failed, saying so, rather than waiting for ever."""
    header = cache.get(_key(job_id))
    if not header or header.get("owner") != user.pk:
        return None
    rows = list(header["rows"])
    keys = [_key(job_id, str(i)) for i in range(len(rows))]
    found = cache.get_many([*keys, _key(job_id, "beat")])
    for index in range(len(rows)):
        rows[index] = found.get(keys[index], rows[index])
    beat = found.get(_key(job_id, "beat"))
    if beat is None or clock.now().timestamp() - beat > STALL_SECONDS:
        stopped = _("Interrupted before this task was done (the portal restarted): check it.")
        rows = [
            BulkRow(r.site_id, r.site_name, r.task_id, r.title, "failed", stopped)
            if r.state == "pending"
            else r
            for r in rows
        ]
    return BulkJob(
        job_id=job_id,
        action=header["action"],
        status=header["status"],
        rows=tuple(rows),
        started_at=header["started_at"],
    )


def bulk_wait(job_id: str, timeout: float = 60.0) -> None:
    """For tests and scripts: wait until the job's thread has ended."""
    runner = _threads.get(job_id)
    if runner is not None:
        runner.join(timeout)
