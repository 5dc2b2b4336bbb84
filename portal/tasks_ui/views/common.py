"""What the task views share: safe return addresses, partial choice, errors as words."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import trigger_client_event

from portal.sites.backends.errors import (
    EditConflict,
    InputRefused,
    NoPermission,
    NotFound,
    ReconnectNeeded,
    SiteError,
    Transient,
    ValidationFailed,
)
from portal.sites.models import Site
from portal.sites.write_outcome import WriteNotApplied

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


def error_text(error: SiteError, site: Site) -> str:
    """A site's refusal or failure in words that name the site."""
    name = site.name
    if isinstance(error, WriteNotApplied):
        return error.message  # already names the site and says what it kept
    if isinstance(error, ReconnectNeeded):
        return _("%(site)s no longer accepts your sign-in: reconnect your account.") % {
            "site": name
        }
    if isinstance(error, EditConflict):
        return _("Not saved: the task was changed on %(site)s since you opened it.") % {
            "site": name
        }
    if isinstance(error, NoPermission):
        return _("%(site)s refused the change: %(message)s") % {
            "site": name,
            "message": error.message,
        }
    if isinstance(error, NotFound):
        return _("%(site)s did not find it: %(message)s") % {
            "site": name,
            "message": error.message,
        }
    if isinstance(error, ValidationFailed | InputRefused):
        return _("%(site)s did not accept this: %(message)s") % {
            "site": name,
            "message": error.message,
        }
    if isinstance(error, Transient):
        return _("%(site)s could not be reached (%(message)s). Nothing is lost: try again.") % {
            "site": name,
            "message": error.message,
        }
    return _("%(site)s answered with an error: %(message)s") % {
        "site": name,
        "message": error.message,
    }


def error_kind(error: SiteError) -> str:
    if isinstance(error, WriteNotApplied):
        return "refused"
    if isinstance(error, ReconnectNeeded):
        return "reconnect"
    if isinstance(error, Transient):
        return "network"
    if isinstance(error, NoPermission):
        return "refused"
    if isinstance(error, ValidationFailed | InputRefused):
        return "validation"
    return "error"
