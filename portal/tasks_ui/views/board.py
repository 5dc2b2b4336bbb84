"""The board: a person's tasks in columns by status, narrowed by the filter page's filters.

A GET form like the filter page's (the URL carries the filters). Each card's "Move to" form
posts to the task's status action (``actions.task_status``), which answers an htmx request
aimed at a card with the card as the site answered it; board.js drags a card by posting that
same form. Without JavaScript the form posts and the browser comes back to the board.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from portal.sites.models import SiteUser
from portal.tasks_ui.selectors.board import board_for_user
from portal.tasks_ui.selectors.search import ME
from portal.tasks_ui.views.common import path_without_probe, probed_sites, wants_partial
from portal.tasks_ui.views.filters import criteria_of, filter_form

_NOT_FILTERS = ("probe", "page", "sort", "dir")


def _query(params: QueryDict, **changed: list[str]) -> str:
    """``params`` without the one-off ones, with ``changed`` replacing what they had."""
    out = params.copy()
    for name in _NOT_FILTERS:
        out.pop(name, None)
    for name, values in changed.items():
        out.setlist(name, values)
    return out.urlencode()


def scope_tabs(params: QueryDict) -> list[dict]:
    """ "Assigned to me" and "everything": the assignee filter, the rest of the filters kept."""
    mine = params.get("assignee", "").strip() == ME
    board = reverse("tasks_ui:board")
    return [
        {"name": "mine", "url": f"{board}?{_query(params, assignee=[ME])}", "current": mine},
        {"name": "all", "url": f"{board}?{_query(params, assignee=[])}", "current": not mine},
    ]


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def board(request: HttpRequest) -> HttpResponse:
    sites, form = filter_form(request, request.GET or None)
    criteria = criteria_of(form)
    result = None
    if criteria is not None:
        result = board_for_user(
            user=request.user,
            criteria=criteria,
            per_column=settings.BOARD_COLUMN_CARDS,
            probe=probed_sites(request),
        )
    search = reverse("tasks_ui:search")
    columns = [
        {"column": column, "more_url": f"{search}?{_query(request.GET, status=[column.status])}"}
        for column in (result.columns if result else [])
    ]
    context = {
        "form": form,
        "result": result,
        "columns": columns,
        "scope_tabs": scope_tabs(request.GET),
        "here": path_without_probe(request),
        "filtered": any(v for k, v in request.GET.items() if k not in _NOT_FILTERS),
        "people": SiteUser.objects.filter(site__in=sites).order_by("full_name", "user_id")[:500],
        "me": ME,
    }
    if wants_partial(request) and request.htmx.target == "board-results":
        return render(request, "tasks_ui/board.html#board-results", {**context, "oob": True})
    return render(request, "tasks_ui/board.html", context)
