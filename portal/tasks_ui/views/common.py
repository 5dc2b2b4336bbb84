"""What the task views share: safe return addresses, partial choice, errors as words."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import trigger_client_event

# A site's refusal in words is shared with the API (portal.api), which imports no views.
from portal.tasks_ui.errors import error_kind as error_kind
from portal.tasks_ui.errors import error_text as error_text

TASKS_CHANGED = "tasks-changed"  # count bars listen for it and refresh themselves


def wants_partial(request: HttpRequest) -> bool:
    """An htmx swap (not a history restore, which needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def probed_sites(request: HttpRequest) -> frozenset[int]:
    """Sites a person asked to try again (``?probe=<site id>``, the error card's link)."""
    return frozenset(int(v) for v in request.GET.getlist("probe")[:20] if v.isdigit())


def path_without_probe(request: HttpRequest) -> str:
    """This page's address, without a one-off ``probe`` (so a reload does not probe again)."""
    params = request.GET.copy()
    params.pop("probe", None)
    return request.path + (f"?{params.urlencode()}" if params else "")


def next_url(request: HttpRequest, default: str | None = None) -> str:
    """Where to go back to after a form post: the page it came from, if it is ours."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse("tasks_ui:home")


def announce(response: HttpResponse, message: str) -> HttpResponse:
    """Tell the page something changed: counts refresh, a screen reader hears the message."""
    trigger_client_event(response, TASKS_CHANGED, {})
    return trigger_client_event(response, "announce", {"message": message})
