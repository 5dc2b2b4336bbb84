"""Scanning one site: which of its open tasks are overdue or late right now, or due within the
largest lead of a rule's "before due" reminders (the backend's ``overdue_and_late``, for a site
of any kind), and keeping the watched tasks in line with it.
Once a day per site the backend may also check that reading its own way (on Frappe, reading
the late bucket through its costly main page call), recorded with the site.
"""

from __future__ import annotations

import logging
import time as timer
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Max

from portal.live.events import tasks_changed
from portal.notifications.models import Rule, TaskTransition, WatchedTask
from portal.notifications.services.bulk import rows_insert, rows_update
from portal.sites.backends.base import TaskBackend
from portal.sites.backends.errors import SiteError
from portal.sites.backends.types import Task
from portal.sites.models import Site
from portal.sites.outgoing import http_from_settings
from portal.sites.services import clients
from portal.sites.services.cache import site_cache_bump
from portal.sites.services.checks import site_check_due
from portal.sites.services.people import site_users_seen_in

log = logging.getLogger(__name__)


@dataclass
class Fetched:
    """What one site's scan found: open tasks in the overdue or late bucket, by id."""

    site: Site
    now: datetime
    found: dict[str, tuple[Task, str]] = field(default_factory=dict)
    late_bucket_rows: int = 0
    requests: int = 0
    seconds: float = 0.0  # reading the site took
    error: str = ""
    cross_check: Any = None  # the backend's check: ``agrees``, ``words()``
    cross_check_error: str = ""
    # TaskTransition ids up to here were written before the site was read.
    seq: int = 0

    @property
    def ok(self) -> bool:
        return not self.error


class _CountingHttp:
    """Counts one backend's requests (the seam's own counter is shared by every site)."""

    def __init__(self, http) -> None:
        self._http = http
        self.count = 0

    def request(self, *args, **kwargs):
        self.count += 1
        return self._http.request(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._http, name)


LATE_BUCKET_CHECK = "late_bucket"
CROSS_CHECK_EVERY = timedelta(days=1)


def transitions_seq() -> int:
    return TaskTransition.objects.aggregate(top=Max("id"))["top"] or 0


@dataclass
class FetchPlan:
    """What reading a site needs from the database, gathered first so the reading itself (HTTP
    only) can run in a thread of its own."""

    site: Site
    backend: TaskBackend | None
    error: str
    seq: int
    cross_check: bool = False
    counter: _CountingHttp | None = None
    due_within: timedelta | None = None  # tasks due this soon are read too (before due)


def due_horizon(*, site: Site) -> timedelta | None:
    """The largest "before due" lead of the enabled rules that may cover the site: the scan
    reads tasks due up to then with the overdue read, for no extra request."""
    minutes = 0
    for rule in Rule.objects.filter(enabled=True).prefetch_related("sites"):
        if not rule.before_due:
            continue
        scope = {s.pk for s in rule.sites.all()}
        if not scope or site.pk in scope:
            minutes = max([minutes, *rule.before_due])
    return timedelta(minutes=minutes) if minutes else None


def site_fetch_prepare(*, site: Site) -> FetchPlan:
    error = ""
    backend = None
    counter = _CountingHttp(http_from_settings())
    try:
        backend = clients.backend_for_service(site, http=counter)
    except clients.NotConnected as exc:
        error = str(exc)
    return FetchPlan(
        site=site,
        backend=backend,
        counter=counter,
        error=error,
        seq=transitions_seq(),
        cross_check=site_check_due(site=site, name=LATE_BUCKET_CHECK, every=CROSS_CHECK_EVERY),
        due_within=due_horizon(site=site),
    )


def site_fetch_run(*, plan: FetchPlan, now: datetime) -> Fetched:
    """Reads the site (HTTP only). Never raises for the site's failures: they come back in
    ``error`` so one site cannot break a run."""
    fetched = Fetched(site=plan.site, now=now, seq=plan.seq, error=plan.error)
    if plan.backend is None:
        return fetched
    started = timer.perf_counter()
    try:
        read = plan.backend.overdue_and_late(
            now=now, cross_check=plan.cross_check, due_within=plan.due_within
        )
    except SiteError as exc:
        fetched.error = str(exc)
        fetched.seconds = timer.perf_counter() - started
    else:
        fetched.found = dict(read.found)
        fetched.late_bucket_rows = read.late_bucket_rows
        fetched.seconds = timer.perf_counter() - started
        # The check's own failure never fails the scan.
        fetched.cross_check, fetched.cross_check_error = read.check, read.check_error
    fetched.requests = plan.counter.count if plan.counter else 0
    return fetched


def site_fetch(*, site: Site, now: datetime) -> Fetched:
    return site_fetch_run(plan=site_fetch_prepare(site=site), now=now)


# --- applying a fetch to the watched tasks -------------------------------------------------------


def _day_after(start: datetime, zone: ZoneInfo) -> datetime:
    local = start.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(local, time(0, 0), zone).astimezone(UTC)


def episode_of(
    *, task: Task, kind: str, now: datetime, row: WatchedTask | None
) -> tuple[str, datetime]:
    """Which episode of lateness this is, and since when. A changed due date (a snooze) is a
    new episode with its own first reminder."""
    zone = ZoneInfo(task.time_zone)
    if kind == "soon" and task.due_date is not None:
        due = task.due_date.astimezone(UTC)
        return f"s:{due:%Y%m%dT%H%M%S}", due
    if kind == "overdue":
        if task.due_date is not None and task.due_date < now:
            due = task.due_date.astimezone(UTC)
            return f"o:{due:%Y%m%dT%H%M%S}", due
        # Marked ``late`` by the site, due date missing or moved ahead: since we first saw it.
        due = f"{task.due_date.astimezone(UTC):%Y%m%dT%H%M%S}" if task.due_date else ""
        episode = f"o:m{due}"
        if row is not None and row.episode == episode:
            return episode, row.became_at
        return episode, now
    start = task.start_date or now
    return f"l:{start.astimezone(zone).date().isoformat()}", _day_after(start, zone)


def assignee_rows(task: Task) -> list[list[str]]:
    return [[a.user_id or "", a.email or "", a.full_name or ""] for a in task.assignees]


VALUE_FIELDS = ("bucket", "episode", "became_at", "title", "status", "priority", "task_type",
                "start_date", "due_date", "due_is_day", "assignees")  # fmt: skip


def _values(task: Task, kind: str, episode: str, became: datetime) -> dict:
    return {
        "bucket": kind,
        "episode": episode,
        "became_at": became,
        "title": (task.title or "")[:300],
        "status": (task.status or "")[:60],
        "priority": (task.priority or "")[:30],
        "task_type": (task.task_type or "")[:60],
        "start_date": task.start_date,
        "due_date": task.due_date,
        "due_is_day": task.due_is_day,
        "assignees": assignee_rows(task),
    }


def watched_apply(*, fetched: Fetched, dry_run: bool = False) -> list[WatchedTask]:
    """Brings the site's watched tasks in line with a successful fetch; returns the open ones.
    With ``dry_run`` nothing is written."""
    site, now = fetched.site, fetched.now
    existing = {w.task_id: w for w in WatchedTask.objects.filter(site=site)}
    to_create, to_update, current = [], [], []
    for task_id, (task, kind) in fetched.found.items():
        row = existing.get(task_id)
        if row is not None and row.closed_seq is not None and row.closed_seq > fetched.seq:
            continue  # finished after this fetch read the site: the fetch is out of date
        episode, became = episode_of(task=task, kind=kind, now=now, row=row)
        values = _values(task, kind, episode, became)
        if row is None:
            row = WatchedTask(site=site, task_id=task_id, seen_at=now, **values)
            to_create.append(row)
        else:
            changed = row.closed_seq is not None or any(
                getattr(row, name) != value for name, value in values.items()
            )
            for name, value in values.items():
                setattr(row, name, value)
            row.closed_seq = None
            row.seen_at = now
            if changed:
                to_update.append(row)
        current.append(row)
    gone = [
        w
        for task_id, w in existing.items()
        if task_id not in fetched.found and (w.closed_seq is None or w.closed_seq <= fetched.seq)
    ]
    if not dry_run:
        if gone:
            # Finished or changed on the site, as only this poll saw on a site without
            # webhooks: no page may serve its cached answer from before.
            site_cache_bump(site.pk)
        # Open pages read again what this scan saw change (not tasks seen for the first time).
        tasks_changed(site.pk, [w.task_id for w in [*gone, *to_update] if w.pk])
        WatchedTask.objects.filter(pk__in=[w.pk for w in gone]).delete()
        rows_insert(WatchedTask, to_create, ["site", "task_id", *VALUE_FIELDS, "seen_at"])
        rows_update(WatchedTask, to_update, [*VALUE_FIELDS, "closed_seq", "seen_at"])
        site_users_seen_in(site=site, tasks=(task for task, _ in fetched.found.values()))
    return current
