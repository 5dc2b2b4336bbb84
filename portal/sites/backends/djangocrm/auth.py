"""Credentials for Django-CRM (BottleCRM) sites (contract/djangocrm/README.md).

- A personal access token (``bcrm_pat_…``) is sent as a bearer token as it is [076].
- A person who signs in with an emailed code holds a JWT pair: the access token lasts an hour,
  the refresh token 14 days and is **rotated** (a used one answers 401 [012]). The pair is
  refreshed ahead of expiry, single-flight under the token store's lock, because the site never
  answers 401 for a dead access token: an expired one gets the same 403 "Organization context
  is required" as no token at all [134].
- The organisation is inside the token; a pair for another organisation is switched to the
  site's with ``/api/auth/switch-org/`` [010].
Token values are never logged.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from typing import Any

from portal.http import Http

from ..errors import ReconnectNeeded, SiteError, UnexpectedAnswer

REFRESH_AHEAD_SECONDS = 60
ORG_CONTEXT = "organization context is required"


def claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT, unverified: the site checks the signature, the portal only reads
    when it expires and which organisation it is for."""
    try:
        part = jwt.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return {}


def token_set(access: str, refresh: str) -> dict[str, Any]:
    """What a connection stores for a JWT pair."""
    return {
        "kind": "jwt",
        "access_token": access,
        "refresh_token": refresh,
        "expires_at": claims(access).get("exp"),
        "refresh_expires_at": claims(refresh).get("exp"),
    }


def _post(http: Http, base_url: str, path: str, body: dict, *, site: str | None) -> Any:
    response = http.request(
        "POST", base_url.rstrip("/") + path, json=body, headers={"Accept": "application/json"},
        site=site,
    )  # fmt: skip
    try:
        decoded = json.loads(response.content.decode("utf-8")) if response.content else None
    except (UnicodeDecodeError, ValueError):
        decoded = None
    if 200 <= response.status < 300 and isinstance(decoded, dict):
        return decoded
    if response.status in (401, 403):
        words = (decoded or {}).get("error") or (decoded or {}).get("detail") or ""
        raise ReconnectNeeded(
            f"The site refused the sign-in: {words}" if words else "The site refused the sign-in.",
            status=response.status,
            site=site,
        )
    if 200 <= response.status < 300:
        raise UnexpectedAnswer("The site answered with something other than JSON.", site=site)
    words = ""
    if isinstance(decoded, dict):
        words = str(decoded.get("error") or decoded.get("detail") or decoded.get("errors") or "")
    raise SiteError(words or f"The site answered {response.status}.", status=response.status,
                    site=site)  # fmt: skip


def code_request(http: Http, base_url: str, *, email: str, site: str | None = None) -> None:
    """The site emails a sign-in code to the address (it answers alike for unknown ones) [018]."""
    _post(http, base_url, "/api/auth/magic-link/request/", {"email": email, "delivery": "code"},
          site=site)  # fmt: skip


def code_verify(
    http: Http, base_url: str, *, email: str, code: str, organisation: str, site: str | None = None
) -> dict[str, Any]:
    """The JWT pair for an emailed code [020], switched to the site's organisation when the
    person's current one is another [010]."""
    body = _post(http, base_url, "/api/auth/magic-link/verify-code/",
                 {"email": email, "code": code}, site=site)  # fmt: skip
    access, refresh = body.get("access_token"), body.get("refresh_token")
    if not isinstance(access, str) or not isinstance(refresh, str):
        raise UnexpectedAnswer("The site answered the code without tokens.", site=site)
    if organisation and claims(access).get("org_id") != organisation:
        switched = _post(http, base_url, "/api/auth/switch-org/",
                         {"org_id": organisation, "refresh": refresh}, site=site)  # fmt: skip
        access = switched.get("access_token") or switched.get("access")
        refresh = switched.get("refresh_token") or switched.get("refresh")
        if not isinstance(access, str) or not isinstance(refresh, str):
            raise UnexpectedAnswer("The site answered the switch without tokens.", site=site)
    return token_set(access, refresh)


def refreshed(http: Http, base_url: str, refresh: str, *, site: str | None = None) -> dict:
    """A new pair for a refresh token; a used or expired one answers 401 [012, 013]."""
    body = _post(http, base_url, "/api/auth/refresh-token/", {"refresh": refresh}, site=site)
    access, new_refresh = body.get("access"), body.get("refresh")
    if not isinstance(access, str) or not isinstance(new_refresh, str):
        raise UnexpectedAnswer("The site answered the refresh without tokens.", site=site)
    return token_set(access, new_refresh)


class PatAuth:
    """A personal access token, sent as it is."""

    def __init__(self, token: str) -> None:
        self._value = f"Bearer {token}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": self._value}

    def retry_after_rejection(self, sent: Mapping[str, str]) -> bool:
        return False

    def __repr__(self) -> str:
        return "PatAuth(***)"


class JwtBearer:
    """A person's JWT pair from a token store (``load``/``save``/``locked``), refreshed ahead of
    expiry and once after a rejection, single-flight under the store's lock."""

    def __init__(self, *, store, base_url: str, http: Http, site: str | None = None,
                 now=time.time) -> None:  # fmt: skip
        self.store, self.base_url, self.http, self.site, self._now = (
            store,
            base_url,
            http,
            site,
            now,
        )

    def headers(self) -> dict[str, str]:
        token = self._token()
        if self._stale(token):
            token = self._refresh(seen=token)
        return {"Authorization": f"Bearer {token['access_token']}"}

    def retry_after_rejection(self, sent: Mapping[str, str]) -> bool:
        """The access token we sent was refused: use one another process stored since, or
        refresh once. A refresh the site refuses raises ReconnectNeeded."""
        used = (sent.get("Authorization") or "").removeprefix("Bearer ")
        current = self._token()
        if current.get("access_token") != used:
            return True
        self._refresh(seen=current)
        return True

    def _token(self) -> dict[str, Any]:
        token = self.store.load()
        if not token or not token.get("access_token"):
            raise ReconnectNeeded("Connect your account on this site again.", site=self.site)
        return token

    def _stale(self, token: dict[str, Any]) -> bool:
        expires = token.get("expires_at")
        return isinstance(expires, int | float) and expires - self._now() < REFRESH_AHEAD_SECONDS

    def _refresh(self, *, seen: dict[str, Any]) -> dict[str, Any]:
        with self.store.locked() as fresh:
            moved = fresh and fresh.get("access_token") != seen.get("access_token")
            if moved and not self._stale(fresh):
                return fresh  # another request refreshed while we waited
            refresh = (fresh or seen).get("refresh_token")
            if not refresh:
                raise ReconnectNeeded("Connect your account on this site again.", site=self.site)
            token = refreshed(self.http, self.base_url, refresh, site=self.site)
            self.store.save(token)
            return token

    def __repr__(self) -> str:
        return "JwtBearer(***)"
