"""The notification centre: a person's own notifications, the bell's unread count (polled by
htmx), mark one read, mark all read. Only the signed-in person's notifications are ever read or
changed: every query is filtered by ``request.user``."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from portal.notifications.services.centre import (
    notification_mark_read,
    notifications_for,
    notifications_mark_all_read,
    notifications_unread_count,
)

# htmx stops polling on this status (https://htmx.org/docs/#polling): a signed-out page stops
# asking instead of swapping a login page into the header.
STOP_POLLING = 286


@login_required
@vary_on_headers("HX-Request", "HX-Target")
def centre(request):
    return _page(request, partial="centre-list" if request.htmx else "")


@require_GET
def centre_count(request):
    if not request.user.is_authenticated:
        return HttpResponse(status=STOP_POLLING)
    unread = notifications_unread_count(user=request.user)
    return render(request, "notifications/_bell.html", {"unread": unread})


@login_required
@require_POST
def centre_read(request, notification_id: int):
    notification_mark_read(user=request.user, notification_id=notification_id)
    return _after_change(request)


@login_required
@require_POST
def centre_read_all(request):
    notifications_mark_all_read(user=request.user)
    return _after_change(request)


def _after_change(request):
    if request.htmx:
        response = _page(request, partial="centre-list")
        response["HX-Trigger"] = "notifications-changed"  # the bell asks for its count now
        return response
    return redirect("notifications:centre")


def _page(request, *, partial: str = ""):
    items = notifications_for(user=request.user)
    context = {
        "items": items,
        "unread": sum(1 for n in items if not n.is_read),
    }
    template = "notifications/centre.html" + (f"#{partial}" if partial else "")
    return render(request, template, context)
