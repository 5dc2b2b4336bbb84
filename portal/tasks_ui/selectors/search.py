"""The filter page: tasks of the chosen sites matching the criteria, merged across sites.

Pagination across sites is only right if every site's matches are known up to the page shown: a
site's first page says nothing about where its rows fall among another site's. So a small site
returns all its matches (generic list, 1,000 rows a request), cached for a short while so the
next page, the back button and a reload cost no request; a big one (``selectors.sizes``) its
count and its first ``page × size`` matches in the one order (``frappe.bucket_reads``), whatever
its size. The merged list is sorted once and sliced.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import User

from portal import clock
from portal.sites.backends.base import RowOrder, TaskBackend, TaskQuery
from portal.sites.backends.types import PortalStatus, Task
from portal.sites.buckets import age_band, bucket, overdue_days, site_statuses
from portal.sites.services.cache import site_cached
from portal.tasks_ui.fanout import SiteOutcome
from portal.tasks_ui.selectors.inbox import KnownRows, finished_statuses
from portal.tasks_ui.selectors.rows import Row
from portal.tasks_ui.selectors.sizes import site_is_big, site_mark_big
from portal.tasks_ui.selectors.sorting import (
    PORTAL_ORDER,
    Sort,
    exact_on_big_sites,
    rows_sorted,
    site_order,
)
from portal.tasks_ui.selectors.sources import Source, read_user_sites, source_row

ME = "me"
NOBODY = "none"  # tasks without an assignee (the reminders overview links to them)


@dataclass(frozen=True)
class Criteria:
    date_from: date | None = None
    date_to: date | None = None
    priorities: tuple[str, ...] = ()
    statuses: tuple[PortalStatus, ...] = ()
    site_ids: tuple[int, ...] = ()
    assignee: str = ""  # "me", "none", or a site user id (or email)
    text: str = ""
    bucket: str = ""  # overdue | late | today | upcoming: the portal's one definition
    age: str = ""  # with bucket "overdue": an age band ("1-3", "4-7", "8+" days overdue)
    due_from: date | None = None  # the calendar's range: the days tasks are due
    due_to: date | None = None

    @classmethod
    def from_filters(cls, data: dict) -> Criteria:
        """From the filter form's cleaned data (the filter page and the API read one form)."""
        return cls(
            date_from=data["date_from"],
            date_to=data["date_to"],
            priorities=tuple(data["priority"]),
            statuses=tuple(data["status"]),
            site_ids=tuple(data["site"]),
            assignee=data["assignee"].strip(),
            text=data["q"].strip(),
            bucket=data["bucket"],
            age=data["age"],
            due_from=data.get("due_from"),
            due_to=data.get("due_to"),
        )

    @property
    def unassigned(self) -> bool:
        return self.assignee == NOBODY

    def keeps(self, task: Task, task_bucket: str | None, now: datetime) -> bool:
        """The filters a site cannot apply: buckets are the portal's, decided here, and so is
        "nobody assigned"."""
        if self.unassigned and task.assignees:
            return False
        if self.bucket and task_bucket != self.bucket:
            return False
        if self.age:
            return task_bucket == "overdue" and age_band(overdue_days(task, now)) == self.age
        return True

    def query_for(self, source: Source, backend: TaskBackend) -> TaskQuery | None:
        """This site's query, or None when the site has no status meaning the chosen ones."""
        statuses: tuple[str, ...] = ()
        if self.statuses:
            statuses = tuple(site_statuses(self.statuses, backend.vocabulary()))
            if not statuses:
                return None
        assignee = source.site_user_id if self.assignee == ME else self.assignee
        if self.unassigned:
            assignee = ""
        return TaskQuery(
            date_from=self.date_from,
            date_to=self.date_to,
            due_from=self.due_from,
            due_to=self.due_to,
            priorities=self.priorities,
            statuses=statuses,
            text_contains=self.text,
            assigned_to=assignee,
        )


@dataclass
class SearchResult:
    rows: KnownRows  # the matches in display order, known up to the page asked for
    problems: list[SiteOutcome]
    searched: int  # sites that answered
    # Big sites that gave only their first rows: a chosen sort orders the rows shown, not all.
    partial_sites: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SiteMatches:
    tasks: tuple[Task, ...]  # every match (small site) or the first ``k`` (big site)
    total: int | None = None  # a big site's count; None: ``tasks`` is all, to be filtered here


def site_matches(criteria: Criteria, *, k: int, now: datetime, order: RowOrder | None = None):
    def read(source: Source, backend: TaskBackend) -> SiteMatches:
        query = criteria.query_for(source, backend)
        if query is None:
            return SiteMatches(())
        # No site filters on "nobody assigned": a big site is then read whole like a small one,
        # so the count stays exact.
        if site_is_big(source.site.pk) and not criteria.unassigned:
            return site_cached(
                site_id=source.site.pk,
                scope=f"search-big:{source.site_user_id}",
                parts={
                    **asdict(query),
                    "bucket": criteria.bucket,
                    "age": criteria.age,
                    "k": k,
                    "order": repr(order),
                },
                produce=lambda: _big_matches(backend, query, criteria, k=k, now=now, order=order),
            )
        tasks = site_cached(
            site_id=source.site.pk,
            scope=f"search:{source.site_user_id}",
            parts=asdict(query),
            produce=lambda: tuple(backend.search_all(query)),
        )
        if not any(asdict(query).values()) and len(tasks) >= backend.small_site_rows:
            site_mark_big(source.site.pk)  # the next unfiltered read asks for counts instead
        return SiteMatches(tasks)

    return read


def _big_matches(
    backend: TaskBackend,
    query: TaskQuery,
    criteria: Criteria,
    *,
    k: int,
    now: datetime,
    order: RowOrder | None,
) -> SiteMatches:
    rows, total = backend.search_first(
        query,
        bucket=criteria.bucket,
        age=criteria.age,
        now=now,
        finished=finished_statuses(backend),
        k=k,
        order=order,
    )
    return SiteMatches(tuple(rows), total=total)


def matched_rows(
    source: Source,
    found: SiteMatches,
    criteria: Criteria,
    *,
    names: dict[int, dict[str, str]],
    now: datetime,
) -> tuple[list[Row], int]:
    """A site's matches as rows, and how many it has: a big site's count, else the rows kept
    once the filters only the portal applies have been (buckets, "nobody assigned")."""
    rows = []
    for task in found.tasks:
        task_bucket = bucket(task, now)
        if found.total is None and not criteria.keeps(task, task_bucket, now):
            continue
        rows.append(
            source_row(source, task, bucket=task_bucket, names=names.get(source.site.pk, {}))
        )
    return rows, found.total if found.total is not None else len(rows)


def search_for_user(
    *,
    user: User,
    criteria: Criteria,
    now: datetime | None = None,
    page: int = 1,
    probe: frozenset[int] = frozenset(),
    sort: Sort = PORTAL_ORDER,
) -> SearchResult:
    now = now or clock.now()
    k = max(1, page) * settings.INBOX_PAGE_SIZE
    got = read_user_sites(
        user,
        site_matches(criteria, k=k, now=now, order=site_order(sort)),
        site_ids=criteria.site_ids or None,
        probe=probe,
    )
    rows: list[Row] = []
    total = 0
    cut_short: list[str] = []
    for source, answer in got.answers:
        found: SiteMatches = answer or SiteMatches(())
        site_rows, count = matched_rows(source, found, criteria, names=got.names, now=now)
        rows += site_rows
        total += count
        if found.total is not None and found.total > len(found.tasks):
            cut_short.append(source.site.name)
    rows = rows_sorted(rows, sort)
    return SearchResult(
        rows=KnownRows(rows[:k], total),
        problems=got.problems,
        searched=len(got.answers),
        partial_sites=[] if exact_on_big_sites(sort) else sorted(cut_short, key=str.lower),
    )
