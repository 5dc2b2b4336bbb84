"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API answers has ``type``, ``title``, ``status`` and ``detail``; ``code`` says
the reason to a program (``not_found``, ``throttled``, ``refused``, ...). A site's refusal or
failure keeps the words the pages show (``portal.tasks_ui.errors``) and names the site.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

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
from portal.tasks_ui.errors import error_kind, error_text
from portal.tasks_ui.fanout import SiteProblem
from portal.tasks_ui.services.writes import ReadOnly

PROBLEM_JSON = "application/problem+json"


def problem(
    status_code: int, detail: str, *, code: str, headers: dict | None = None, **more: Any
) -> Response:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": str(detail),
        "code": code,
        **more,
    }
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_JSON)


class SiteFailed(exceptions.APIException):
    """A site refused a write or could not be read: raised by views, answered as a problem."""

    def __init__(self, status_code: int, detail: str, *, code: str, site: Site, **more: Any):
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.more = {"site_id": site.pk, "site_name": site.name, **more}


def site_failed(error: SiteError, site: Site) -> SiteFailed:
    """A site's error in the pages' words, with the status a program can act on: 409 for a
    write the site answered without making, or a copy that is out of date; 403 refused; 404
    gone; 422 input the site (or the portal for it) did not take; 503 out of reach; 502 else."""
    text = error_text(error, site)
    kind = error_kind(error)
    if isinstance(error, WriteNotApplied):
        answered = {d.field: d.answered for d in error.differences}
        return SiteFailed(409, text, code="refused", site=site, site_answered=answered)
    if isinstance(error, EditConflict):
        return SiteFailed(409, text, code="conflict", site=site)
    if isinstance(error, ReconnectNeeded):
        return SiteFailed(409, text, code="reconnect", site=site)
    if isinstance(error, ReadOnly):
        return SiteFailed(403, error.message, code="read_only", site=site)
    if isinstance(error, NoPermission):
        return SiteFailed(403, text, code="refused", site=site)
    if isinstance(error, NotFound):
        return SiteFailed(404, text, code="not_found", site=site)
    if isinstance(error, ValidationFailed | InputRefused):
        return SiteFailed(422, text, code="validation", site=site)
    if isinstance(error, Transient):
        return SiteFailed(503, text, code="network", site=site)
    return SiteFailed(502, text, code=kind, site=site)


_PROBLEM_STATUS = {
    "missing": 404,
    "input": 404,  # a task id this site cannot have (Frappe's are numbers): no such task
    "not_connected": 409,
    "reconnect": 409,
    "refused": 403,
    "unreachable": 503,
    "timeout": 504,
}


def site_unavailable(problem_: SiteProblem, site: Site) -> SiteFailed:
    """A site a read could not use (not connected, out of reach, the task gone)."""
    code = problem_.kind
    return SiteFailed(_PROBLEM_STATUS.get(code, 502), problem_.message, code=code, site=site)


def problem_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: the answer DRF would give, as problem details."""
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 (logged), never a traceback to the caller
    more: dict[str, Any] = {}
    if isinstance(exc, SiteFailed):
        more = exc.more
        detail, code = str(exc.detail), exc.get_codes()
    elif isinstance(exc, exceptions.ValidationError):
        detail, code = _("The request has fields that are not valid."), "invalid"
        more["errors"] = exc.detail if isinstance(exc.detail, dict) else {"": exc.detail}
    elif isinstance(exc, exceptions.APIException):
        detail, code = str(exc.detail), exc.get_codes()
    else:  # Http404, PermissionDenied, turned into APIExceptions by DRF
        detail = str(response.data.get("detail", "")) if isinstance(response.data, dict) else ""
        code = "not_found" if response.status_code == status.HTTP_404_NOT_FOUND else "denied"
    if not isinstance(code, str):
        code = "error"
    headers = {k: v for k, v in response.items() if k in ("Retry-After", "WWW-Authenticate")}
    return problem(response.status_code, detail, code=code, headers=headers, **more)
