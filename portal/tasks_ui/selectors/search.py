"""The filter page: tasks of the chosen sites matching the criteria, merged across sites.

Pagination across sites is only right if every site's matches are known: a site's first page
says nothing about where its rows fall among another site's. So each site returns all its
matches (generic list, 1,000 rows a request, later pages concurrently), cached for a short while
so the next page, the back button and a reload cost no request; the merged list is sorted once
and sliced.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.contrib.auth.models import User

from portal import clock
from portal.sites.frappe import FrappeClient, Task, bucket, site_statuses
from portal.sites.frappe.buckets import age_band, overdue_days
from portal.sites.frappe.models import PortalStatus
from portal.sites.frappe.query import TaskQuery, query_tasks
from portal.sites.services.cache import site_cached
from portal.tasks_ui.fanout import SiteOutcome, run_concurrently
from portal.tasks_ui.selectors.rows import Row, people_of, row_order
from portal.tasks_ui.selectors.sources import Source, names_by_site, read_sites, sources_for_user

ME = "me"


@dataclass(frozen=True)
class Criteria:
    date_from: date | None = None
    date_to: date | None = None
    priorities: tuple[str, ...] = ()
    statuses: tuple[PortalStatus, ...] = ()
    site_ids: tuple[int, ...] = ()
    assignee: str = ""  # "me", or a site user id (or email)
    text: str = ""
    bucket: str = ""  # overdue | late | today | upcoming: the portal's one definition
    age: str = ""  # with bucket "overdue": an age band ("1-3", "4-7", "8+" days overdue)

    def keeps(self, task: Task, task_bucket: str | None, now: datetime) -> bool:
        """The filters a site cannot apply: buckets are the portal's, decided here."""
        if self.bucket and task_bucket != self.bucket:
            return False
        if self.age:
            return task_bucket == "overdue" and age_band(overdue_days(task, now)) == self.age
        return True

    def query_for(self, source: Source, client: FrappeClient) -> TaskQuery | None:
        """This site's query, or None when the site has no status meaning the chosen ones."""
        statuses: tuple[str, ...] = ()
        if self.statuses:
            statuses = tuple(site_statuses(self.statuses, client.vocabulary()))
            if not statuses:
                return None
        assignee = source.site_user_id if self.assignee == ME else self.assignee
        return TaskQuery(
            date_from=self.date_from,
            date_to=self.date_to,
            priorities=self.priorities,
            statuses=statuses,
            title_contains=self.text,
            assigned_to=assignee,
        )


@dataclass
class SearchResult:
    rows: list[Row]  # every match, in display order
    problems: list[SiteOutcome]
    searched: int  # sites that answered


def site_matches(criteria: Criteria):
    def read(source: Source, client: FrappeClient) -> tuple[Task, ...]:
        query = criteria.query_for(source, client)
        if query is None:
            return ()
        return site_cached(
            site_id=source.site.pk,
            scope=f"search:{source.site_user_id}",
            parts=asdict(query),
            produce=lambda: tuple(query_tasks(client, query, run_pages=run_concurrently)),
        )

    return read


def search_for_user(*, user: User, criteria: Criteria, now: datetime | None = None) -> SearchResult:
    now = now or clock.now()
    sources, problems = sources_for_user(user=user, site_ids=criteria.site_ids or None)
    outcomes = read_sites(sources, site_matches(criteria))
    names = names_by_site(source.site.pk for source in sources)
    by_site = {source.site.pk: source for source in sources}
    rows: list[Row] = []
    answered = 0
    for outcome in outcomes:
        if outcome.problem is not None:
            problems.append(outcome)
            continue
        answered += 1
        source = by_site[outcome.site.pk]
        for task in outcome.value or ():
            task_bucket = bucket(task, now)
            if not criteria.keeps(task, task_bucket, now):
                continue
            rows.append(
                Row(
                    site_id=source.site.pk,
                    site_name=source.site.name,
                    task=task,
                    bucket=task_bucket,
                    people=people_of(task, names.get(source.site.pk, {})),
                    can_write=source.can_write,
                    read_only_reason=source.read_only_reason,
                )
            )
    rows.sort(key=row_order)
    problems.sort(key=lambda o: o.site.name.lower())
    return SearchResult(rows=rows, problems=problems, searched=answered)
