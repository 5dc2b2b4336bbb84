"""The portal's buckets of a big site, read at a cost that does not grow with the site.

A small site is read whole (every open task, one page of the generic list) and bucketed in the
portal. A site with more open tasks than one page is asked instead:
- for **counts**, through ``frappe.client.get_count`` [204] (0.01 s on a real site whatever its
  size), one call per *part*: each bucket is a union of disjoint parts, each part plain AND
  filters (the generic list has no OR);
- for **rows**, only those a page shows: the first ``k`` of a bucket in the portal's order
  (``rows.row_order``: High, Medium, Low, others; then due date, undated last; then start).
  A part with at most ``k`` tasks is read whole; a bigger one in three sorted reads of ``k``
  rows: ``priority asc`` gives High then Low then Medium, ``priority desc`` Medium then Low then
  High, and the other priorities apart; together they hold the part's first ``k`` in the
  portal's order (the High rows from the first, the Medium rows from the second, the Low rows
  that are needed from whichever reached them).

The parts follow ``buckets.bucket`` exactly, at one instant ``now`` in the site's zone:
- overdue: open and due date passed (A); open, ``late`` and due later (L1) or undated (L0);
- late, today, upcoming: open, not ``late``, start before / on / after today, and due later
  (N1) or undated (N0): never overdue;
- finished today: finished, starting today.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..base import RowOrder
from .client import FrappeClient
from .client.parse import day_start
from .client.resource import Filter
from .models import Task
from .query import ROW_FIELDS

SLOTS = ("overdue", "late", "today", "today_finished", "upcoming")
STANDARD_PRIORITIES = ["High", "Medium", "Low"]
_LATE = "late"
RunAll = Callable[[list[Callable[[], object]]], list[object]]


@dataclass(frozen=True)
class Part:
    filters: tuple[tuple, ...]
    dated: bool  # every task of the part has a due date (sorted by it); else none has one


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def slot_parts(
    client: FrappeClient, *, now: datetime, finished: Sequence[str], assigned_to: str = ""
) -> dict[str, list[Part]]:
    """Each bucket slot as disjoint parts, for this site's zone and statuses."""
    local = now.astimezone(client.zone)
    today = local.date()
    start_today, start_tomorrow = day_start(today), day_start(today + timedelta(days=1))
    mine: list[Filter] = [["_assign", "like", f'%"{assigned_to}"%']] if assigned_to else []
    open_ = [["status", "not in", list(finished)], *mine]
    due_later = [["due_date", ">=", _stamp(local)]]
    undated = [["due_date", "is", "not set"]]

    def part(filters: list[Filter], dated: bool) -> Part:
        return Part(filters=tuple(tuple(f) for f in filters), dated=dated)

    overdue = [part([*open_, ["due_date", "is", "set"], ["due_date", "<", _stamp(local)]], True)]
    if client.flavour in (None, "deployed"):  # only these sites mark tasks ``late``
        late_status = [*open_, ["status", "=", _LATE]]
        overdue += [part([*late_status, *due_later], True), part([*late_status, *undated], False)]
    not_late = [*open_, ["status", "!=", _LATE]]

    def not_overdue(starts: list[Filter]) -> list[Part]:
        return [
            part([*not_late, *starts, *due_later], True),
            part([*not_late, *starts, *undated], False),
        ]

    return {
        "overdue": overdue,
        # ``is set`` first: the site compares an undated start as 0001-01-01 [201].
        "late": not_overdue([["start_date", "is", "set"], ["start_date", "<", start_today]]),
        "today": not_overdue(
            [["start_date", ">=", start_today], ["start_date", "<", start_tomorrow]]
        ),
        "today_finished": [
            part(
                [
                    ["status", "in", list(finished)],
                    ["start_date", ">=", start_today],
                    ["start_date", "<", start_tomorrow],
                    *mine,
                ],
                False,
            )
        ],
        "upcoming": not_overdue([["start_date", ">=", start_tomorrow]]),
    }


def bucketed_total_parts(
    client: FrappeClient, *, now: datetime, finished: Sequence[str], assigned_to: str = ""
) -> tuple[Part, list[Part]]:
    """The open tasks in some bucket as every open task (the first part) less those in none
    (the others): open, not marked ``late``, no start, and due later or undated. Three counts
    instead of a count per part of every bucket."""
    local = now.astimezone(client.zone)
    mine: list[Filter] = [["_assign", "like", f'%"{assigned_to}"%']] if assigned_to else []
    open_ = [["status", "not in", list(finished)], *mine]
    unstarted = [*open_, ["status", "!=", _LATE], ["start_date", "is", "not set"]]

    def part(filters: list[Filter], dated: bool) -> Part:
        return Part(filters=tuple(tuple(f) for f in filters), dated=dated)

    return part(open_, False), [
        part([*unstarted, ["due_date", ">=", _stamp(local)]], True),
        part([*unstarted, ["due_date", "is", "not set"]], False),
    ]


def part_counts(client: FrappeClient, parts: list[Part], *, run_all: RunAll) -> list[int]:
    calls = [lambda p=p: client.count(filters=[list(f) for f in p.filters]) for p in parts]
    return [int(n) for n in run_all(calls)]


def part_rows(
    client: FrappeClient,
    parts: list[Part],
    counts: list[int],
    *,
    k: int,
    run_all: RunAll,
    order: RowOrder | None = None,
) -> list[Task]:
    """At least the first ``k`` tasks of the union of ``parts`` in the portal's order, or by a
    date in ``order`` (more may come back: the caller sorts and cuts)."""
    calls: list[Callable[[], object]] = []
    for part, count in zip(parts, counts, strict=True):
        if count == 0:
            continue
        if count <= k:
            filters = [list(f) for f in part.filters]
            calls.append(lambda f=filters: _read(client, f, "name asc", k))
        elif order is None:
            calls += _portal_order_reads(client, part, k)
        else:
            calls += _date_order_reads(client, part, order, k)
    found: dict[int, Task] = {}
    for rows in run_all(calls):
        for task in rows:  # type: ignore[attr-defined]
            found.setdefault(task.id, task)
    return list(found.values())


def _portal_order_reads(client: FrappeClient, part: Part, k: int) -> list[Callable[[], object]]:
    """The part's first ``k`` in the portal's order, in three sorted reads (module docstring)."""
    filters = [list(f) for f in part.filters]
    then = "due_date asc, start_date asc, name asc" if part.dated else "start_date asc, name asc"
    standard = [*filters, ["priority", "in", STANDARD_PRIORITIES]]
    others = [*filters, ["priority", "not in", STANDARD_PRIORITIES]]
    return [
        lambda: _read(client, standard, f"priority asc, {then}", k),
        lambda: _read(client, standard, f"priority desc, {then}", k),
        lambda: _read(client, others, then, k),
    ]


ORDER_COLUMNS = {"due": ("due_date", "due_date"), "start": ("start_date", "start_date")}


def _date_order_reads(
    client: FrappeClient, part: Part, order: RowOrder, k: int
) -> list[Callable[[], object]]:
    """The part's first ``k`` by a date, rows without it last: the first ``k`` dated rows in
    that order, with the rows that tie with the last of them in the portal's order (it breaks
    ties), and the undated rows' first ``k`` in the portal's order."""
    column, _attribute = ORDER_COLUMNS[order.column]
    if column == "due_date" and not part.dated:
        return _portal_order_reads(client, part, k)  # none has a due date: the portal's order
    dated = Part(filters=(*part.filters, (column, "is", "set")), dated=part.dated)
    calls: list[Callable[[], object]] = [lambda: _dated_first(client, dated, order, k)]
    if column != "due_date":
        undated = Part(filters=(*part.filters, (column, "is", "not set")), dated=part.dated)
        calls += _portal_order_reads(client, undated, k)
    return calls


def _dated_first(client: FrappeClient, part: Part, order: RowOrder, k: int) -> list[Task]:
    column, attribute = ORDER_COLUMNS[order.column]
    filters = [list(f) for f in part.filters]
    direction = "desc" if order.descending else "asc"
    rows = _read(client, filters, f"{column} {direction}, name asc", k)
    if len(rows) < k:
        return rows
    edge = getattr(rows[-1], attribute).astimezone(client.zone).replace(microsecond=0)
    # Tied with the last row: the whole second, whatever precision the site keeps.
    ties = Part(
        filters=(
            *part.filters,
            (column, ">=", _stamp(edge)),
            (column, "<", _stamp(edge + timedelta(seconds=1))),
        ),
        dated=part.dated,
    )
    tied: list[Task] = []
    for read in _portal_order_reads(client, ties, k):
        tied += read()  # type: ignore[operator]
    return rows + tied


MAX_PAGE = 1000  # the client's largest page


def _read(client: FrappeClient, filters: list[Filter], order: str, k: int) -> list[Task]:
    """The first ``k`` in this order, a page of up to 1,000 at a time (deep pages only)."""
    rows: list[Task] = []
    while len(rows) < k:
        size = min(MAX_PAGE, k - len(rows))
        page = client.list_tasks(
            filters=filters, fields=ROW_FIELDS, order_by=order, start=len(rows), page_length=size
        )
        rows += page
        if len(page) < size:
            break
    return rows


AGE_LIMITS = {"1-3": (0, 3), "4-7": (3, 7), "8+": (7, None)}  # whole days overdue, (after, up to]


def aged_parts(parts: list[Part], *, age: str, now: datetime, zone) -> list[Part]:
    """The overdue parts narrowed to an age band (``buckets.overdue_days``: days since the due
    date, at least one; a task marked late without one is aged from its start)."""
    after, up_to = AGE_LIMITS[age]
    local = now.astimezone(zone)
    out = []
    for part in parts:
        statuses = {f[2] for f in part.filters if f[0] == "status" and f[1] == "="}
        later = any(f[0] == "due_date" and f[1] == ">=" for f in part.filters)
        if later:  # marked late, due later: one day overdue
            if after == 0:
                out.append(part)
            continue
        column = "due_date" if part.dated or not statuses else "start_date"
        extra: list[tuple] = []
        if up_to is not None:
            extra.append((column, ">=", _stamp(local - timedelta(days=up_to))))
        if after:
            extra += [(column, "is", "set"), (column, "<", _stamp(local - timedelta(days=after)))]
        out.append(Part(filters=(*part.filters, *extra), dated=part.dated))
    return out


def matching_parts(filters: list[Filter], *, bucket_parts: list[Part] | None) -> list[Part]:
    """A search's own filters, within a bucket's parts or split by whether tasks are dated (the
    order key differs)."""
    extra = tuple(tuple(f) for f in filters)
    if bucket_parts is not None:
        return [Part(filters=(*p.filters, *extra), dated=p.dated) for p in bucket_parts]
    return [
        Part(filters=(*extra, ("due_date", "is", "set")), dated=True),
        Part(filters=(*extra, ("due_date", "is", "not set")), dated=False),
    ]
