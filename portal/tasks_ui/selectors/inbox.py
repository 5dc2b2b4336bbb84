"""The inbox: every task of every site a person may see, in the portal's four buckets.

A small site (its open tasks fit one page of the generic list, 1,000 rows) contributes its
*complete* set of open tasks plus the tasks that start today and are already finished: two
queries, never the site's own bucket lists (whose ``min_each`` is a maximum [209]). Buckets then
come from the one definition, ``bucket``, at the portal's clock; "assigned to me" is the same set
filtered by the site user id of the person's connection, so both tabs and all counts cost one
read.

A big site (``selectors.sizes``: its first page came back full) is asked for its counts and
for the rows the page shows only (the backend's ``bucket_counts`` and ``bucket_rows``): a fixed
number of cheap requests whatever its size, still exact. Pages across sites then merge the
first ``page × size`` rows of every site, which holds the page's rows in the one order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User

from portal import clock
from portal.sites.backends.base import SLOTS, TaskBackend
from portal.sites.backends.types import Task
from portal.sites.buckets import bucket
from portal.sites.services.cache import site_cached
from portal.tasks_ui.fanout import SiteOutcome, run_concurrently
from portal.tasks_ui.selectors.rows import Row, for_person
from portal.tasks_ui.selectors.sizes import site_is_big, site_mark_big
from portal.tasks_ui.selectors.sorting import (
    PORTAL_ORDER,
    Sort,
    exact_on_big_sites,
    rows_sorted,
    site_order,
)
from portal.tasks_ui.selectors.sources import (
    Source,
    people_known,
    read_sites,
    source_row,
    sources_for_user,
)

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
    # Per bucket, for the chosen scope (and the other one when every site was read whole: a
    # big site tells only the other scope's total).
    counts: dict[str, Counts]
    totals: dict[str, int]  # open tasks in some bucket, per scope: what the scope tabs show
    rows: list[Row]  # the chosen scope and bucket, in display order (today: open ones only)
    finished_today: list[Row]  # today bucket only: finished tasks, shown apart
    problems: list[SiteOutcome] = field(default_factory=list)
    site_count: int = 0  # sites that answered
    # Big sites that gave only their first rows: a chosen sort orders the rows shown, not all.
    partial_sites: list[str] = field(default_factory=list)

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
                "count": self.totals[scope],
                "current": scope == self.scope,
            }
            for scope in SCOPES
        ]


def finished_statuses(backend: TaskBackend) -> tuple[str, ...]:
    return backend.finished_statuses()


@dataclass(frozen=True)
class SiteRead:
    """One site's part of an inbox: all its tasks (a small site), or its counts per slot of the
    chosen scope, the other scope's total and the first rows of the chosen bucket and scope (a
    big site)."""

    tasks: tuple[Task, ...] | None = None
    counts: dict[str, int] | None = None
    other_total: int = 0
    rows: tuple[Task, ...] = ()
    finished_rows: tuple[Task, ...] = ()


def site_tasks(
    source: Source,
    backend: TaskBackend,
    *,
    bucket_name: str = "overdue",
    scope: str = "mine",
    k: int = 50,
    now: datetime | None = None,
    learned: list | None = None,
    sort: Sort = PORTAL_ORDER,
) -> SiteRead:
    """One site's inbox read, cached until the portal writes to the site (the cache key holds
    the site's day, so midnight starts afresh). Freshly read tasks go to ``learned``: the caller
    records their assignees (the database work stays out of the worker threads)."""
    today = backend.now().date()
    finished = finished_statuses(backend)
    moment = now or clock.now()
    # Today's finished tasks are shown (and counted) on the Today tab only: a request less per
    # site on every other page.
    with_finished = bucket_name == "today"

    def small() -> SiteRead | None:
        def open_page() -> tuple[list[Task], bool]:
            return backend.open_page(finished=finished)

        def done_today() -> list[Task]:
            return backend.finished_today(now=moment, finished=finished)

        if with_finished:
            (first, complete), done = run_concurrently([open_page, done_today])
        else:
            (first, complete), done = open_page(), []
        if not complete:
            site_mark_big(source.site.pk)
            return None
        tasks = tuple(first) + tuple(done)
        if learned is not None:
            learned.append((source.site, tasks))
        return SiteRead(tasks=tasks)

    def big() -> SiteRead:
        slots = tuple(s for s in SLOTS if with_finished or s != "today_finished")
        assigned = source.site_user_id if scope == "mine" else ""
        other = source.site_user_id if scope == "all" else ""
        (counts, note), other_total = run_concurrently(
            [
                lambda: backend.bucket_counts(
                    now=moment, finished=finished, assigned_to=assigned, slots=slots
                ),
                # The other scope's tab shows its total only: a few counts, not one per part.
                lambda: backend.bucketed_total(now=moment, finished=finished, assigned_to=other),
            ]
        )

        def first_rows(slot: str) -> tuple[Task, ...]:
            return tuple(
                backend.bucket_rows(
                    slot,
                    now=moment,
                    finished=finished,
                    assigned_to=assigned,
                    k=k,
                    note=note,
                    order=site_order(sort),
                )
            )

        rows = first_rows(bucket_name)
        finished_rows = first_rows("today_finished") if bucket_name == "today" else ()
        if learned is not None:
            learned.append((source.site, rows + finished_rows))
        return SiteRead(
            counts=counts, other_total=other_total, rows=rows, finished_rows=finished_rows
        )

    day = {"day": today.isoformat(), "finished": with_finished}
    cached = partial(site_cached, site_id=source.site.pk, scope=f"inbox:{source.site_user_id}")
    if not site_is_big(source.site.pk):
        # A small site's read serves every bucket and scope (None: it turned out big).
        read = cached(parts=day, produce=small)
        if read is not None:
            return read
    order = site_order(sort)
    asked = {**day, "bucket": bucket_name, "scope": scope, "k": k, "order": repr(order)}
    return cached(parts=asked, produce=big)


class KnownRows(Sequence):
    """The rows of a bucket across sites, of which the first ``len(known)`` are known in order
    and ``total`` exist: what the pager needs (it only ever slices the known part)."""

    def __init__(self, known: list[Row], total: int) -> None:
        self.known = known
        self.total = max(total, len(known))

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        return self.known[index]


def inbox_for_user(
    *,
    user: User,
    scope: str,
    bucket_name: str,
    now: datetime | None = None,
    page: int = 1,
    probe: frozenset[int] = frozenset(),
    sort: Sort = PORTAL_ORDER,
) -> Inbox:
    scope = scope if scope in SCOPES else "mine"
    bucket_name = bucket_name if bucket_name in BUCKETS else "overdue"
    now = now or clock.now()
    k = max(1, page) * settings.INBOX_PAGE_SIZE
    sources, problems = sources_for_user(user=user)
    learned: list = []
    read = partial(
        site_tasks, bucket_name=bucket_name, scope=scope, k=k, now=now, learned=learned, sort=sort
    )
    outcomes = read_sites(sources, read, probe=probe)
    # The assignment picker learns the people these tasks are assigned to.
    names, _new = people_known((source.site.pk for source in sources), learn=list(learned))
    by_site = {source.site.pk: source for source in sources}

    tallies = {s: {b: 0 for b in SLOTS} for s in SCOPES}
    other_scope = next(s for s in SCOPES if s != scope)
    other_from_totals = 0  # the other scope's open tasks on big sites (no per-bucket counts)
    any_big = False
    chosen: list[Row] = []
    finished: list[Row] = []
    answered = 0
    cut_short: list[str] = []
    for outcome in outcomes:
        if outcome.problem is not None:
            problems.append(outcome)
            continue
        answered += 1
        source = by_site[outcome.site.pk]
        site_read: SiteRead = outcome.value or SiteRead(tasks=())

        def row(task: Task, where: str, source: Source = source) -> Row:
            return source_row(source, task, bucket=where, names=names.get(source.site.pk, {}))

        if site_read.counts is not None:
            any_big = True
            for slot in SLOTS:
                tallies[scope][slot] += site_read.counts[slot]
            other_from_totals += site_read.other_total
            chosen += [row(task, bucket_name) for task in site_read.rows]
            finished += [row(task, "today") for task in site_read.finished_rows]
            shown = len(site_read.rows) + len(site_read.finished_rows)
            wanted = site_read.counts[bucket_name]
            if bucket_name == "today":
                wanted += site_read.counts.get("today_finished", 0)
            if wanted > shown:
                cut_short.append(source.site.name)
            continue
        for task in site_read.tasks or ():
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
            (finished if slot == "today_finished" else chosen).append(row(task, where))
    chosen = rows_sorted(chosen, sort)
    finished = rows_sorted(finished, sort)
    problems.sort(key=lambda o: o.site.name.lower())
    counts = {s: Counts(**tallies[s]) for s in SCOPES}
    totals = {s: sum(counts[s].of(b) for b in BUCKETS) for s in SCOPES}
    totals[other_scope] += other_from_totals
    if any_big:
        del counts[other_scope]
    return Inbox(
        scope=scope,
        bucket=bucket_name,
        counts=counts,
        totals=totals,
        rows=KnownRows(chosen[:k], counts[scope].of(bucket_name)),  # type: ignore[arg-type]
        finished_today=finished[:k],
        problems=problems,
        site_count=answered,
        partial_sites=[] if exact_on_big_sites(sort) else sorted(cut_short, key=str.lower),
    )
