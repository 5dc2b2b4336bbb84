"""Saved views of the filter page: save the filters and sort shown, delete one, choose the
start page. Plain form posts that come back to the filter page (no JavaScript needed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.tasks_ui.services.saved_views import (
    ViewRefused,
    saved_view_delete,
    saved_view_save,
    saved_view_start_page,
)
from portal.tasks_ui.views.common import next_url


@login_required
@require_POST
def view_save(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    try:
        view = saved_view_save(
            owner=request.user,
            name=request.POST.get("name", ""),
            query=query,
            start_page=request.POST.get("start_page") == "1",
        )
    except ViewRefused as refused:
        messages.error(request, str(refused))
        return redirect(next_url(request, reverse("tasks_ui:search")))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(view.url)


@login_required
@require_POST
def view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    if saved_view_delete(owner=request.user, view_id=view_id):
        messages.success(request, _("View deleted."))
    else:
        messages.error(request, _("That view is not one of yours, or it was already deleted."))
    return redirect(next_url(request, reverse("tasks_ui:search")))


@login_required
@require_POST
def view_start_page(request: HttpRequest, view_id: int) -> HttpResponse:
    """Makes the view the start page; ``view_id`` 0 goes back to the inbox as start page."""
    view = saved_view_start_page(owner=request.user, view_id=view_id or None)
    if view is not None:
        messages.success(request, _("“%(name)s” is now your start page.") % {"name": view.name})
    elif view_id:
        messages.error(request, _("That view is not one of yours, or it was deleted."))
    else:
        messages.success(request, _("The inbox is your start page again."))
    return redirect(next_url(request, reverse("tasks_ui:search")))
