"""A site's refusal or failure in the words the person reads, on a page or in the API."""

from __future__ import annotations

from django.utils.translation import gettext as _

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
