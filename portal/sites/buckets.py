"""The portal's one definition of overdue, late, today and upcoming, and the status mapping, for
tasks of every backend.

From ``contract/README.md``, "Buckets in the portal" (times in the site's zone):
- overdue: open, and ``due_date`` has passed or the site status is ``late``;
- late: open, started before today, not overdue;
- today: starts today (finished ones included: pages show them apart);
- upcoming: starts after today, open.
A site without start dates (a plain due date only, ``Task.due_is_day``) has its tasks on their
due day: today is due today, upcoming is due later, and late holds none of them (a task due
before today is overdue while it is open).
A site may also say a task is overdue itself (Frappe's ``late`` status): ``site_says_overdue``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from portal.sites.backends.types import Bucket, PortalStatus, Task, Vocabulary

_EXACT: dict[str, PortalStatus] = {
    "backlog": "open",
    "todo": "open",
    "open": "open",
    "late": "open",  # the site's own overdue marker [010, 243]: still open
    "in progress": "in_progress",
    "done": "done",
    "completed": "done",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    # EspoCRM [109]: Started is work in progress; Deferred is "not actual", set aside like a
    # cancelled task (never open, never overdue: backends/espocrm/tasks.py).
    "not started": "open",
    "started": "in_progress",
    "deferred": "cancelled",
}
# Statuses no flavour uses for new work; never chosen when mapping portal → site.
_SITE_MANAGED = {"late"}


def portal_status(site_status: str | None) -> PortalStatus:
    """Map a site's status onto the portal's four. Sites may customise the options, so unknown
    values are judged by their words; anything else counts as open (better a reminder too many
    than an overdue task never shown)."""
    value = (site_status or "").strip().lower()
    if value in _EXACT:
        return _EXACT[value]
    if "cancel" in value or "reject" in value:
        return "cancelled"
    if any(word in value for word in ("done", "complete", "closed", "finish", "resolved")):
        return "done"
    if "progress" in value:
        return "in_progress"
    return "open"


def site_statuses(portal: Iterable[PortalStatus], vocabulary: Vocabulary) -> list[str]:
    """Every site value meaning one of these portal statuses (for filters: open includes
    ``late`` [231])."""
    wanted = set(portal)
    return [s for s in vocabulary.statuses if portal_status(s) in wanted]


def site_status(portal: PortalStatus, vocabulary: Vocabulary) -> str:
    """The site value to write for a portal status: the first option of the site's list that
    means it, never ``late`` (the site sets that itself). Raises ValueError if none does."""
    for value in vocabulary.statuses:
        if value.lower() not in _SITE_MANAGED and portal_status(value) == portal:
            return value
    raise ValueError(f"This site has no status meaning {portal!r}.")


def bucket(task: Task, now: datetime) -> Bucket | None:
    """The portal bucket of a task at ``now`` (aware), judged in the task's site zone."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = now.astimezone(ZoneInfo(task.time_zone))
    today = local_now.date()
    start_day = task.start_date.astimezone(local_now.tzinfo).date() if task.start_date else None
    if start_day is None and task.due_is_day and task.due_date:
        start_day = (task.due_date.astimezone(local_now.tzinfo) - timedelta(days=1)).date()
    if task.is_open:
        if task.site_says_overdue or (task.due_date and task.due_date < now):
            return "overdue"
        if start_day is not None and start_day < today:
            return "late"
    if start_day == today:
        return "today"
    if task.is_open and start_day is not None and start_day > today:
        return "upcoming"
    return None


# Overdue tasks by age, for reports and their drill-downs: whole days overdue, at least one.
AGE_BANDS: tuple[tuple[str, float], ...] = (("1-3", 3), ("4-7", 7), ("8+", math.inf))


def due_soon(task: Task, now: datetime, within: timedelta | None) -> bool:
    """Open, not yet due, and due within ``within`` of ``now``: what reminders before the due
    time are about (whatever bucket the task is in otherwise)."""
    if not within or task.due_date is None or not task.is_open:
        return False
    return now < task.due_date <= now + within


def overdue_days(task: Task, now: datetime) -> int:
    """Whole days overdue, at least 1 (due two hours ago is one day). A task the site marked
    late without a due date is aged from its start."""
    since = task.due_date or task.start_date or now
    return max(1, math.ceil((now - since).total_seconds() / 86400))


def age_band(days: int) -> str:
    return next(label for label, upper in AGE_BANDS if days <= upper)
