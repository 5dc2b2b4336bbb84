"""The sortable column headings of a task table: a link each, keeping the page's other
parameters, and the ``aria-sort`` state a screen reader announces."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from portal.tasks_ui.selectors.sorting import Column, Sort

HEADINGS = (
    ("title", _("Task")),
    ("site", _("Site")),
    ("priority", _("Priority")),
    ("status", _("Status")),
    ("due", _("Due")),
    ("start", _("Starts")),
    ("assignee", _("Assigned to")),
)
_DROP = ("page", "probe", "part", "sort", "dir")


def sort_columns(params: QueryDict, sort: Sort) -> dict[str, Column]:
    """Each heading's link: the first click sorts ascending, the next one flips it."""
    kept = params.copy()
    for name in _DROP:
        kept.pop(name, None)
    base = kept.urlencode()
    columns = {}
    for key, label in HEADINGS:
        current = sort.key == key
        following = "asc" if not current or sort.descending else "desc"
        query = f"{base}&" if base else ""
        aria = ("descending" if sort.descending else "ascending") if current else ""
        columns[key] = Column(
            key=key,
            label=str(label),
            url=f"?{query}sort={key}&dir={following}",
            aria_sort=aria,
            next_direction=following,
            asc_url=f"?{query}sort={key}&dir=asc",
            desc_url=f"?{query}sort={key}&dir=desc",
        )
    return columns


def sort_query(sort: Sort) -> str:
    """``sort=…&dir=…&`` for links that must keep the sort (the pager), or ""."""
    return f"sort={sort.key}&dir={sort.direction}&" if sort.chosen else ""
