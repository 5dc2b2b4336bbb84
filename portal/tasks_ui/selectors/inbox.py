"""The inbox: every task of every site a person may see, in the portal's four buckets.

Each site contributes its *complete* set of open tasks plus the tasks that start today and are
already finished: two queries over the generic list (a page of up to 1,000 rows per request,
further pages fetched concurrently), never the site's own bucket lists (whose ``min_each`` is a
maximum [209]) nor a first page. Buckets then come from the one definition,
``portal.sites.frappe.bucket``, at the portal's clock; "assigned to me" is the same set filtered
by the site user id of the person's connection, so both tabs and all counts cost one read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.contrib.auth.models import User

from portal import clock
from portal.sites.frappe import FrappeClient, Task, bucket, portal_status
from portal.sites.frappe.buckets import FINISHED_STATUSES
from portal.sites.frappe.query import TaskQuery, query_tasks
from portal.sites.services.cache import site_cached
from portal.tasks_ui.fanout import SiteOutcome, run_concurrently
from portal.tasks_ui.selectors.rows import Row, for_person, people_of, row_order
from portal.tasks_ui.selectors.sources import Source, people_known, read_sites, sources_for_user

BUCKETS = ("overdue", "late", "today", "upcoming")
SCOPES = ("mine", "all")


@dataclass(frozen=True)
class Counts:
    overdue: int = 0
    late: int = 0
    today: int = 0  # open tasks starting today
    today_finished: int = 0
    upcoming: int = 0

    def of(self, name: str) -> int:
        return getattr(self, name)


@dataclass
class Inbox:
    scope: str
    bucket: str
    counts: dict[str, Counts]
    rows: list[Row]  # the chosen scope and bucket, in display order (today: open ones only)
    finished_today: list[Row]  # today bucket only: finished tasks, shown apart
    problems: list[SiteOutcome] = field(default_factory=list)
    site_count: int = 0  # sites that answered

    @property
    def tabs(self) -> list[dict]:
        """The bucket tabs of the chosen scope, with their counts."""
        counts = self.counts[self.scope]
        return [
            {
                "name": name,
                "count": counts.of(name),
                "extra": counts.today_finished if name == "today" else None,
                "current": name == self.bucket,
            }
            for name in BUCKETS
        ]

    @property
    def scope_tabs(self) -> list[dict]:
        return [
            {
                "name": scope,
                "count": sum(self.counts[scope].of(b) for b in BUCKETS),
                "current": scope == self.scope,
            }
            for scope in SCOPES
        ]


def finished_statuses(client: FrappeClient) -> tuple[str, ...]:
    """Every finished value of this site (its vocabulary) and of every flavour."""
    site_values = {
        s for s in client.vocabulary().statuses if portal_status(s) in ("done", "cancelled")
    }
    return tuple(sorted(site_values | set(FINISHED_STATUSES)))


def site_tasks(
    source: Source, client: FrappeClient, *, learned: list | None = None
) -> tuple[Task, ...]:
    """One site's open tasks and today's finished ones, cached until the portal writes to the
    site (the cache key holds the site's day, so midnight starts afresh). Freshly read tasks go
    to ``learned``: the caller records their assignees (the database work stays out of the
    worker threads)."""
    today = client.now().date()
    finished = finished_statuses(client)

    def produce() -> tuple[Task, ...]:
        open_query = TaskQuery(not_statuses=finished)
        today_query = TaskQuery(date_from=today, date_to=today, statuses=finished)
        open_tasks, done_today = run_concurrently(
            [
                lambda: query_tasks(client, open_query, run_pages=run_concurrently),
                lambda: query_tasks(client, today_query, run_pages=run_concurrently),
            ]
        )
        tasks = tuple(open_tasks) + tuple(done_today)
        if learned is not None:
            learned.append((source.site, tasks))
        return tasks

    return site_cached(
        site_id=source.site.pk,
        scope=f"inbox:{source.site_user_id}",
        parts={"day": today.isoformat()},
        produce=produce,
    )


def inbox_for_user(
    *, user: User, scope: str, bucket_name: str, now: datetime | None = None
) -> Inbox:
    scope = scope if scope in SCOPES else "mine"
    bucket_name = bucket_name if bucket_name in BUCKETS else "overdue"
    now = now or clock.now()
    sources, problems = sources_for_user(user=user)
    learned: list = []
    outcomes = read_sites(sources, partial(site_tasks, learned=learned))
    # The assignment picker learns the people these tasks are assigned to.
    names, _new = people_known((source.site.pk for source in sources), learn=list(learned))
    by_site = {source.site.pk: source for source in sources}

    tallies = {s: {b: 0 for b in (*BUCKETS, "today_finished")} for s in SCOPES}
    chosen: list[Row] = []
    finished: list[Row] = []
    answered = 0
    for outcome in outcomes:
        if outcome.problem is not None:
            problems.append(outcome)
            continue
        answered += 1
        source = by_site[outcome.site.pk]
        for task in outcome.value or ():
            where = bucket(task, now)
            if where is None:
                continue
            slot = "today_finished" if where == "today" and not task.is_open else where
            mine = for_person(task, source.site_user_id)
            tallies["all"][slot] += 1
            if mine:
                tallies["mine"][slot] += 1
            if where != bucket_name or (scope == "mine" and not mine):
                continue
            row = Row(
                site_id=source.site.pk,
                site_name=source.site.name,
                task=task,
                bucket=where,
                people=people_of(task, names.get(source.site.pk, {})),
                can_write=source.can_write,
                read_only_reason=source.read_only_reason,
            )
            (finished if slot == "today_finished" else chosen).append(row)
    chosen.sort(key=row_order)
    finished.sort(key=row_order)
    problems.sort(key=lambda o: o.site.name.lower())
    return Inbox(
        scope=scope,
        bucket=bucket_name,
        counts={s: Counts(**tallies[s]) for s in SCOPES},
        rows=chosen,
        finished_today=finished,
        problems=problems,
        site_count=answered,
    )
