"""``Authorization: Bearer ptk_…``: a personal access token, for scripts and tools.

Session cookies are accepted too (DRF's ``SessionAuthentication``, which enforces CSRF on
writes), so the reference page can try the API as the person logged in.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from portal.api.tokens import token_find


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _sep, raw = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        token = token_find(raw)
        if token is None:
            # Unknown, revoked and expired tokens all read alike: nothing to learn from it.
            raise exceptions.AuthenticationFailed(
                _("This token is not valid (revoked, expired or unknown).")
            )
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
