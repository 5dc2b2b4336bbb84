"""The calendar: a person's tasks across sites by the day they are due, a month or a week.

A task's day is the day it is due on the reader's clock, as every time on a page is shown
(``portal.sites.reading``); a plain due day (no time of day) is that day wherever one reads it.
The shown range is asked of every site as a due-date range of the site's days
(``TaskQuery.due_from``/``due_to``), a day wider on each side since a site's day and the
reader's differ by at most one, so a page costs one bounded read per site whatever the site's
size; the filter page's other criteria
(sites, assignee, status, priority, words, bucket) apply as they do there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo

from django.contrib.auth.models import User
from django.utils import formats, timezone

from portal import clock
from portal.sites.backends.base import TaskBackend, due_day_of
from portal.sites.backends.types import Task
from portal.sites.buckets import bucket
from portal.sites.services.cache import site_cached
from portal.tasks_ui.fanout import SiteOutcome
from portal.tasks_ui.selectors.rows import PRIORITY_RANK, Row
from portal.tasks_ui.selectors.search import Criteria
from portal.tasks_ui.selectors.sources import Source, read_user_sites, source_row

VIEWS = ("month", "week")
DAY_LIMIT = 4  # tasks a day shows; the rest are "+N more", a link to the filter page


def first_weekday() -> int:
    """The first day of the week in the reader's language, as Python counts (Monday 0).
    Django's formats count from Sunday (0): English weeks start on Sunday, Arabic ones on
    Saturday (``portal.formats.ar``)."""
    return (int(formats.get_format("FIRST_DAY_OF_WEEK")) - 1) % 7


@dataclass(frozen=True)
class CalendarRange:
    view: str  # month | week
    anchor: date  # the month's first day, or the week's first day
    weeks: tuple[tuple[date, ...], ...]

    @property
    def first(self) -> date:
        return self.weeks[0][0]

    @property
    def last(self) -> date:
        return self.weeks[-1][-1]

    @property
    def previous(self) -> date:
        if self.view == "week":
            return self.anchor - timedelta(days=7)
        return (self.anchor - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        if self.view == "week":
            return self.anchor + timedelta(days=7)
        return (self.anchor + timedelta(days=32)).replace(day=1)

    def in_month(self, day: date) -> bool:
        return self.view == "week" or (day.year, day.month) == (self.anchor.year, self.anchor.month)


def _week_start(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def calendar_range(*, view: str, day: date, weekday: int) -> CalendarRange:
    """The weeks shown for ``day``: its whole month (from the week the 1st falls in to the week
    of the last day), or its week. ``weekday`` is the week's first day (``first_weekday``)."""
    if view == "week":
        start = _week_start(day, weekday)
        return CalendarRange("week", start, (tuple(start + timedelta(days=i) for i in range(7)),))
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    start, weeks = _week_start(first, weekday), []
    while start <= last:
        weeks.append(tuple(start + timedelta(days=i) for i in range(7)))
        start += timedelta(days=7)
    return CalendarRange("month", first, tuple(weeks))


@dataclass
class CalendarResult:
    days: dict[date, list[Row]]  # every task due on a shown day, in the portal's row order
    problems: list[SiteOutcome]
    searched: int  # sites that answered
    sources: dict[int, Source] = field(default_factory=dict)


def reader_day(task: Task, zone: tzinfo | None = None) -> date | None:
    """The day a task is due on the reader's clock (``zone``, the active one by default)."""
    if task.due_date is None or task.due_is_day:
        return due_day_of(task)
    return task.due_date.astimezone(zone or timezone.get_current_timezone()).date()


def _site_range(criteria: Criteria, *, first: date, last: date):
    def read(source: Source, backend: TaskBackend) -> tuple[Task, ...]:
        query = criteria.query_for(source, backend)
        if query is None:
            return ()
        query = replace(query, due_from=first - timedelta(days=1), due_to=last + timedelta(days=1))
        return site_cached(
            site_id=source.site.pk,
            scope=f"calendar:{source.site_user_id}",
            parts=asdict(query),
            produce=lambda: tuple(backend.search_all(query)),
        )

    return read


def _day_order(row: Row) -> tuple:
    """Within a day: by the time due (a plain due day first), then priority, site and id."""
    task = row.task
    due = task.due_date.timestamp() if task.due_date is not None and not task.due_is_day else 0
    return (
        due,
        PRIORITY_RANK.get((task.priority or "").strip().lower(), 3),
        row.site_name.lower(),
        row.site_id,
        task.id,
    )


def calendar_for_user(
    *,
    user: User,
    criteria: Criteria,
    first: date,
    last: date,
    now: datetime | None = None,
    probe: frozenset[int] = frozenset(),
) -> CalendarResult:
    now = now or clock.now()
    got = read_user_sites(
        user,
        _site_range(criteria, first=first, last=last),
        site_ids=criteria.site_ids or None,
        probe=probe,
    )
    days: dict[date, list[Row]] = {}
    for source, tasks in got.answers:
        for task in tasks or ():
            day = reader_day(task)
            task_bucket = bucket(task, now)
            if day is None or not first <= day <= last:
                continue
            if not criteria.keeps(task, task_bucket, now):
                continue
            site_names = got.names.get(source.site.pk, {})
            days.setdefault(day, []).append(
                source_row(source, task, bucket=task_bucket, names=site_names)
            )
    return CalendarResult(
        days={day: sorted(rows, key=_day_order) for day, rows in days.items()},
        problems=got.problems,
        searched=len(got.answers),
        sources=got.sources,
    )
