"""Sorting rows across sites by a column the person picks (``?sort=due&dir=desc``).

The sort is applied after the merge, to the rows of every site together. A small site is read
whole, so its rows sort exactly. A big site (``selectors.sizes``) gives only its first rows:
in the portal's order (``rows.row_order``), which is already right for a sort by site and by
priority (ascending), or by a date when the sort is by due or start date (``site_order``).
Any other order over those rows is an order of *the rows shown*, not of the site's tasks: the
page says so (``partial_sites``), never silently.

Rows without the value (no due date, no assignee, an unknown priority) come last in either
direction; ties keep the portal's order, so pages never repeat or skip a row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from portal.sites.backends.base import RowOrder
from portal.tasks_ui.selectors.rows import PRIORITY_RANK, Row, row_order

SORT_KEYS = ("title", "site", "status", "priority", "start", "due", "assignee")
DIRECTIONS = ("asc", "desc")
# Work first, then what is finished: the order of the status filter.
STATUS_RANK = {"open": 0, "in_progress": 1, "done": 2, "cancelled": 3}


@dataclass(frozen=True)
class Sort:
    key: str = ""  # "" is the portal's order (priority, due date, start date)
    direction: str = "asc"

    @property
    def descending(self) -> bool:
        return self.direction == "desc"

    @property
    def chosen(self) -> bool:
        return bool(self.key)


PORTAL_ORDER = Sort()


def sort_from(params: Mapping[str, str]) -> Sort:
    """The sort a query string asks for; anything unknown is the portal's order."""
    key = params.get("sort", "")
    direction = params.get("dir", "asc")
    if key not in SORT_KEYS:
        return PORTAL_ORDER
    return Sort(key=key, direction=direction if direction in DIRECTIONS else "asc")


def site_order(sort: Sort) -> RowOrder | None:
    """The order a big site is asked to give its first rows in (None: the portal's)."""
    if sort.key in ("due", "start"):
        return RowOrder(column=sort.key, descending=sort.descending)
    return None


def exact_on_big_sites(sort: Sort) -> bool:
    """Whether a big site's first rows are the first in this sort."""
    return (
        not sort.chosen
        or sort.key == "site"
        or (sort.key == "priority" and not sort.descending)
        or site_order(sort) is not None
    )


def _title(row: Row):
    return (row.task.title or "").casefold() or None


def _site(row: Row):
    return row.site_name.casefold()


def _status(row: Row):
    return STATUS_RANK.get(row.task.portal_status)


def _priority(row: Row):
    # Ascending is the most urgent first, as in the portal's own order.
    return PRIORITY_RANK.get((row.task.priority or "").strip().lower())


def _start(row: Row):
    return row.task.start_date.timestamp() if row.task.start_date else None


def _due(row: Row):
    return row.task.due_date.timestamp() if row.task.due_date else None


def _assignee(row: Row):
    names = sorted(person.name.casefold() for person in row.people)
    return names[0] if names else None


VALUES: dict[str, Callable[[Row], object]] = {
    "title": _title,
    "site": _site,
    "status": _status,
    "priority": _priority,
    "start": _start,
    "due": _due,
    "assignee": _assignee,
}


def rows_sorted(rows: Iterable[Row], sort: Sort) -> list[Row]:
    """The rows in the chosen order (the portal's order when none is chosen)."""
    ordered = sorted(rows, key=row_order)
    if not sort.chosen:
        return ordered
    value = VALUES[sort.key]
    known = [(value(row), row) for row in ordered]
    having = [pair for pair in known if pair[0] is not None]
    missing = [row for v, row in known if v is None]
    # sorted() is stable: rows with equal values stay in the portal's order, either direction.
    having.sort(key=lambda pair: pair[0], reverse=sort.descending)
    return [row for _, row in having] + missing


@dataclass(frozen=True)
class Column:
    """A sortable column heading: its link and what ``aria-sort`` says."""

    key: str
    label: str
    url: str
    aria_sort: str  # "ascending", "descending" or "" (not the sorted column)
    next_direction: str
    # Both directions at once: the sort menu of narrow screens, where the headings are hidden.
    asc_url: str = ""
    desc_url: str = ""
