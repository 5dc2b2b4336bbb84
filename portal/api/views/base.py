"""What every API view shares: authentication, the token's scope and sites, rate limits, and
the documented problem answers."""

from __future__ import annotations

from contextlib import ExitStack

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from portal.api.models import ApiToken
from portal.api.permissions import TokenScope
from portal.api.problems import PROBLEM_JSON
from portal.api.serializers import ProblemSerializer
from portal.api.tokens import token_site_ids
from portal.sites.access import sites_limited_to

PROBLEM_WORDS = {
    400: "The request is not valid (the fields that are not, and why, in `errors`).",
    401: "No token, or one that is revoked, expired or unknown.",
    403: "Not allowed: the token's scope, the person's role, or the site refused.",
    404: "No such site, task or job, or one this person (or token) may not see.",
    409: "The site refused the write, the copy is out of date, or the account is not "
    "connected to the site.",
    422: "The site did not take the input.",
    429: "Too many requests for this token: wait `Retry-After` seconds.",
    502: "The site answered with an error.",
    503: "The site could not be reached.",
    504: "The site did not answer in time.",
}


def problems(*codes: int) -> dict:
    """``responses`` entries for the problem answers a route may give (401, 403 and 429 are
    possible everywhere)."""
    chosen = sorted({401, 403, 429, *codes})
    return {
        (code, PROBLEM_JSON): OpenApiResponse(ProblemSerializer, description=PROBLEM_WORDS[code])
        for code in chosen
    }


SITE_READ_PROBLEMS = (404, 409, 502, 503, 504)
SITE_WRITE_PROBLEMS = (400, 404, 409, 422, 502, 503, 504)


# Every API view: authenticated (token or session), the token's scope checked, rate limited per
# token; a token limited to some sites sees only those, in every selector and service the view
# calls (``sites_limited_to``), for the length of the request.
class PortalView(APIView):
    permission_classes = [IsAuthenticated, TokenScope]

    def dispatch(self, request, *args, **kwargs):
        self._scope = ExitStack()
        with self._scope:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        token = request.auth
        limit = token_site_ids(token) if isinstance(token, ApiToken) else None
        self._scope.enter_context(sites_limited_to(limit))


@extend_schema(exclude=True)
class NoSuchRoute(PortalView):
    """Any other address under /api/v1/: a problem, not the HTML page a browser gets."""

    def _missing(self, request, *args, **kwargs):
        raise NotFound(_("No such API route."))

    get = post = put = patch = delete = _missing
