"""The filter page: a GET form, so the URL carries the filters (shareable, back button)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from portal.sites.models import SiteUser
from portal.tasks_ui.selectors.saved_views import saved_view_list_for_user
from portal.tasks_ui.selectors.search import ME, search_for_user
from portal.tasks_ui.selectors.sorting import sort_from
from portal.tasks_ui.services.saved_views import view_query
from portal.tasks_ui.views.common import path_without_probe, probed_sites, wants_partial
from portal.tasks_ui.views.filters import criteria_of, filter_form
from portal.tasks_ui.views.sorting import sort_columns


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def search(request: HttpRequest) -> HttpResponse:
    sites, form = filter_form(request, request.GET or None)
    result = page = None
    sort = sort_from(request.GET)
    criteria = criteria_of(form)
    if criteria is not None:
        number = request.GET.get("page", "1")
        wanted = int(number) if number.isdigit() and 0 < int(number) < 10_000 else 1
        result = search_for_user(
            user=request.user,
            criteria=criteria,
            page=wanted,
            probe=probed_sites(request),
            sort=sort,
        )
        page = Paginator(result.rows, settings.INBOX_PAGE_SIZE).get_page(wanted)
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("probe", None)
    people = SiteUser.objects.filter(site__in=sites).order_by("full_name", "user_id")[:500]
    saved = saved_view_list_for_user(user=request.user)
    context = {
        "form": form,
        "result": result,
        "page": page,
        "rows": page.object_list if page else [],
        "here": path_without_probe(request),
        "page_query": (params.urlencode() + "&") if params else "",
        "filtered": any(v for k, v in request.GET.items() if k not in ("page", "sort", "dir")),
        "sort": sort,
        "columns": sort_columns(request.GET, sort),
        "sort_target": "#results",
        "partial_sites": result.partial_sites if result else [],
        "saved_views": saved,
        "start_view": next((view for view in saved if view.is_start_page), None),
        "view_query": view_query(request.GET.urlencode()),
        "people": people,
        "me": ME,
    }
    if wants_partial(request) and request.htmx.target == "results":
        return render(request, "tasks_ui/search.html#results", context)
    return render(request, "tasks_ui/search.html", context)
