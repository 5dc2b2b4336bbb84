"""Complete task lists by criteria, over the cheapest path a site offers .

Pages across many sites need *every* matching task (counts, a merged sort, pagination across
sites), never a first page or ``min_each`` rows. The generic list is some 50 times cheaper per
row than mobile_api's lists (contract README, "Measured"), so it is used whenever the credential
may read it; an account without a CRM role gets 403 there [078] and falls back to mobile_api's
``filter_tasks``, which ignores permissions [071-073] but costs more.

The site's filters narrow the rows; ``TaskQuery.matches`` (the portal's query,
``backends.base``) then applies the exact conditions in Python (``like`` is a substring and
case-folding match, and ``_assign like %id%`` also matches longer ids), so both paths give the
same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TypeVar

from ..base import TaskQuery
from .client import FrappeClient
from .client.parse import day_start
from .client.resource import LIST_FIELDS, Filter
from .errors import NoPermission, NotFound
from .models import Task

__all__ = [
    "LIST_FIELDS",
    "ROW_FIELDS",
    "TaskQuery",
    "assignment_fields",
    "query_tasks",
    "task_filters",
    "task_detail",
    "task_site_url",
    "text_alternatives",
]

T = TypeVar("T")
# What a row in a list shows: no description (the heaviest field), assignees from ``_assign``;
# nor ``modified`` or the task type: forms read the task afresh.
ROW_FIELDS = ("name", "title", "status", "priority", "start_date", "due_date", "_assign")
PAGE_LENGTH = 1000  # the client's largest page; 1,000 rows take some 0.04 s on a real site
_MAX_ROWS = 200_000  # a guard against a site that ignores paging
RunPages = Callable[[list[Callable[[], list[Task]]]], list[list[Task]]]


def task_filters(query: TaskQuery) -> list[Filter]:
    """The portal's query as Frappe filters. Dates are days in the site's zone; ``date_to`` and
    ``due_to`` count whole (the site's own ``date_to`` stops at midnight [234])."""
    out: list[Filter] = []
    if query.ids:
        out.append(["name", "in", [int(i) for i in query.ids]])
    if query.date_from:
        out.append(["start_date", ">=", day_start(query.date_from)])
    if query.date_to:
        out.append(["start_date", "<", day_start(query.date_to + timedelta(days=1))])
    if query.due_from:
        out.append(["due_date", ">=", day_start(query.due_from)])
    if query.due_to:
        out.append(["due_date", "<", day_start(query.due_to + timedelta(days=1))])
    if query.priorities:
        out.append(["priority", "in", list(query.priorities)])
    if query.statuses:
        out.append(["status", "in", list(query.statuses)])
    if query.not_statuses:
        out.append(["status", "not in", list(query.not_statuses)])
    if query.title_contains:
        # Wildcards in the text only widen the match; ``matches`` makes it exact.
        out.append(["title", "like", f"%{query.title_contains}%"])
    if query.assigned_to:
        # ``_assign`` is a JSON list of ids [236]: the quoted id matches that id only.
        out.append(["_assign", "like", f'%"{query.assigned_to}"%'])
    return out


def text_alternatives(query: TaskQuery) -> list[list[Filter]]:
    """ "In the title or the description" as disjoint filter sets to add to ``task_filters``
    (the generic list has no OR): their rows never overlap, so their counts add up exactly."""
    if not query.text_contains:
        return [[]]
    like = f"%{query.text_contains}%"
    return [
        [["title", "like", like]],
        [["title", "not like", like], ["description", "like", like]],
    ]


def _sequential(calls: list[Callable[[], T]]) -> list[T]:
    return [call() for call in calls]


def query_tasks(
    client: FrappeClient,
    query: TaskQuery,
    *,
    fields: Sequence[str] = ROW_FIELDS,
    run_pages: RunPages = _sequential,
    page_length: int = PAGE_LENGTH,
) -> list[Task]:
    """Every task matching ``query``, in id order. After a full first page the site counts the
    matches (one cheap request) and the remaining pages go to ``run_pages``, which may fetch them
    concurrently. Falls back to mobile_api when the generic list is refused."""
    try:
        return _generic(client, query, fields=fields, run_pages=run_pages, size=page_length)
    except NoPermission:
        if client.flavour == "plain":
            raise  # no mobile_api to fall back on [245]
        return _mobile(client, query)


def _generic(
    client: FrappeClient,
    query: TaskQuery,
    *,
    fields: Sequence[str],
    run_pages: RunPages,
    size: int,
) -> list[Task]:
    found: dict[int, Task] = {}
    for alternative in text_alternatives(query):
        # Rows found by their description carry it, so ``matches`` can judge the words.
        wanted = [*fields, "description"] if alternative and "description" not in fields else fields
        for task in _generic_pages(
            client, [*task_filters(query), *alternative], fields=wanted, run_pages=run_pages,
            size=size,
        ):  # fmt: skip
            if query.matches(task):
                found.setdefault(task.id, task)
    return sorted(found.values(), key=lambda t: t.id)


def _generic_pages(
    client: FrappeClient,
    filters: list[Filter],
    *,
    fields: Sequence[str],
    run_pages: RunPages,
    size: int,
) -> list[Task]:
    def page(start: int) -> list[Task]:
        return client.list_tasks(
            filters=filters, fields=fields, order_by="name asc", start=start, page_length=size
        )

    first = page(0)
    pages = [first]
    if len(first) == size:
        total = min(client.count(filters=filters), _MAX_ROWS)
        starts = list(range(size, total, size))
        pages += run_pages([lambda s=s: page(s) for s in starts])
        # Tasks created meanwhile push rows past the counted end: follow until a short page.
        start = size * (len(starts) + 1)
        while len(pages[-1]) == size and start < _MAX_ROWS:
            pages.append(page(start))
            start += size
    return [task for rows in pages for task in rows]


def _mobile(client: FrappeClient, query: TaskQuery) -> list[Task]:
    statuses = list(query.statuses)
    if not statuses and query.not_statuses:
        statuses = [s for s in client.vocabulary().statuses if s not in query.not_statuses]
    found = client.filter_tasks(
        date_from=query.date_from,
        date_to=query.date_to,
        priorities=query.priorities,
        statuses=statuses,
    )
    return sorted((t for t in found if query.matches(t)), key=lambda t: t.id)


def task_detail(client: FrappeClient, task_id: str) -> Task:
    """One task with every field the site returns. The single-document read names one assignee
    only [237]; a list row adds the complete ``_assign`` list when the credential may read it.
    An account without read permission finds the task through mobile_api's lists."""
    try:
        task = client.get_task(task_id)
    except NoPermission:
        if client.flavour == "plain":
            raise
        for found in _mobile(client, TaskQuery()):
            if found.id == str(task_id):
                return found
        raise NotFound(f"Task {str(task_id)[:64]} was not found.", site=client.site_label) from None
    rows = client.list_tasks(filters=task_filters(TaskQuery(ids=(task.id,))), fields=LIST_FIELDS)
    if rows and len(rows[0].assignees) > len(task.assignees):
        task = replace(task, assignees=rows[0].assignees)
    return task


def task_site_url(base_url: str, task_id: str) -> str:
    """The task in the site's own desk (``/app/<doctype-slug>/<name>``)."""
    return f"{base_url.rstrip('/')}/app/crm-task/{int(task_id)}"


def assignment_fields(user_ids: Sequence[str]) -> dict[str, list[str]]:
    """The write fields that set a task's assignees to exactly these site user ids (an empty list
    clears them [247-252]); sites with a single assignee get ``assigned_to`` from the client."""
    return {"assigned_to_list": [str(i) for i in user_ids]}
