"""The portal's own error pages (403, 404, 500), with its navigation, in every mode.

Django's handlers (``handler403`` and friends in portal/urls.py) serve them when DEBUG is off.
With DEBUG on (``make run``) Django answers a 404 with its technical page instead, which lists
every URL pattern of the portal to whoever asks for a task of a site they may not see; a 404
is not a bug to debug, so ``NotFoundPages`` renders the portal's page in that mode too. A 500
keeps Django's technical page under DEBUG: there the traceback is what a developer needs.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token (an expired session, usually)."""
    return render(request, "403.html", {"csrf_failed": True}, status=403)


def server_error(request):
    """The portal's 500 page; without the navigation when rendering it fails too (the
    database may be what is down), and as plain text as a last resort."""
    try:
        return render(request, "500.html", status=500)
    except Exception:
        log.exception("the 500 page could not be rendered with the request")
    try:
        return HttpResponseServerError(loader.get_template("500.html").render({}))
    except Exception:
        log.exception("the 500 page could not be rendered")
    return HttpResponseServerError(_("Something went wrong."), content_type="text/plain")


class NotFoundPages:
    """Answers every 404 with the portal's page, DEBUG or not: a view raising Http404 and a
    URL that matches no pattern alike. A 404 response a view builds itself (the webhook
    endpoint's JSON, say) is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request) -> HttpResponse:
        try:
            resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            # CommonMiddleware, further out, still redirects /tasks to /tasks/ on this 404.
            return page_not_found(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
