"""The inbox: buckets across sites, "assigned to me" or "everything I may see"."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from portal.tasks_ui.selectors.inbox import BUCKETS, SCOPES, inbox_for_user
from portal.tasks_ui.selectors.saved_views import start_page_for_user
from portal.tasks_ui.selectors.sorting import sort_from
from portal.tasks_ui.views.common import path_without_probe, probed_sites, wants_partial
from portal.tasks_ui.views.sorting import sort_columns, sort_query


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def home(request: HttpRequest) -> HttpResponse:
    # A person's chosen start page opens at the bare address; any parameter (the inbox link
    # of the filter page says ``?scope=mine``) shows the inbox.
    if not request.GET and not request.htmx:
        start = start_page_for_user(user=request.user)
        if start is not None:
            return redirect(start.url)
    scope = request.GET.get("scope", "mine")
    bucket_name = request.GET.get("bucket", "overdue")
    number = request.GET.get("page", "1")
    wanted = int(number) if number.isdigit() and 0 < int(number) < 10_000 else 1
    sort = sort_from(request.GET)
    inbox = inbox_for_user(
        user=request.user,
        scope=scope,
        bucket_name=bucket_name,
        page=wanted,
        probe=probed_sites(request),
        sort=sort,
    )
    page = Paginator(inbox.rows, settings.INBOX_PAGE_SIZE).get_page(wanted)
    state = {"scope": inbox.scope, "bucket": inbox.bucket}
    context = {
        "inbox": inbox,
        "page": page,
        "rows": page.object_list,
        "state": state,
        "scopes": SCOPES,
        "buckets": BUCKETS,
        "here": path_without_probe(request),
        "query": urlencode(state),
        "page_query": urlencode(state) + "&" + sort_query(sort),
        "sort": sort,
        "columns": sort_columns(QueryDict(urlencode(state)), sort),
        "sort_target": "#inbox-body",
        "partial_sites": inbox.partial_sites,
    }
    if wants_partial(request):
        part = "counts" if request.GET.get("part") == "counts" else "inbox-body"
        # A new body replaces the tab that had focus: focus its successor, not the page top.
        context["refocus"] = part == "inbox-body"
        return render(request, f"tasks_ui/inbox.html#{part}", context)
    return render(request, "tasks_ui/inbox.html", context)
