"""Credentials for EspoCRM sites (contract/espocrm/README.md, "Credentials").

- The service credential is an **API user**: its key alone in ``X-Api-Key`` [011], or, for an
  API user with the HMAC method, one ``X-Hmac-Authorization`` header: base64 of ``apiKey + ":" +
  hex(HMAC-SHA256(secret, METHOD + " " + path))``, the path being what follows ``/api/v1``
  [014]. The query string and the body are not signed [014, 019]; signing ``/api/v1/Task``
  fails [015], and so does the seed document's form [018].
- A person signs in once with username and password (``Espo-Authorization``: base64 of
  ``user:password``); the answer carries an auth token [026]. Only the token is kept (the
  password is never stored) and sent as ``Espo-Authorization`` base64 of ``user:token`` with
  ``Espo-Authorization-By-Token: true`` [027]. No token secret is asked for: a token made with
  one only works together with its cookie [024, 025].
- A 401 has an empty body [009, 012, 022]: for a person the token was revoked or expired
  (connect again); for the service the key is wrong, regenerated or its user deactivated [171].
Secrets are never logged (``__repr__``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from portal.http import Http

from ..errors import ReconnectNeeded, UnexpectedAnswer

API = "/api/v1"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def hmac_header(api_key: str, secret: str, method: str, path: str) -> str:
    """The ``X-Hmac-Authorization`` value for one request; ``path`` without ``/api/v1`` and
    without the query [014, 015]."""
    signed = f"{method.upper()} {path}"
    digest = hmac.new(secret.encode("utf-8"), signed.encode("utf-8"), hashlib.sha256).hexdigest()
    return _b64(f"{api_key}:{digest}")


class ApiKeyAuth:
    """An API user with the API-key method [011]."""

    refused = (
        "The site refused the API key (401): check the API user's key, that it was not "
        "regenerated, and that the user is active."
    )

    def __init__(self, api_key: str) -> None:
        self._key = api_key

    def headers(self, method: str, path: str) -> dict[str, str]:
        return {"X-Api-Key": self._key}

    def __repr__(self) -> str:
        return "ApiKeyAuth(***)"


class HmacAuth:
    """An API user with the HMAC method: each request signed [014]."""

    refused = (
        "The site refused the HMAC signature (401): check the API user's key and secret "
        "key, and that the user is active."
    )

    def __init__(self, api_key: str, secret: str) -> None:
        self._key, self._secret = api_key, secret

    def headers(self, method: str, path: str) -> dict[str, str]:
        return {"X-Hmac-Authorization": hmac_header(self._key, self._secret, method, path)}

    def __repr__(self) -> str:
        return "HmacAuth(***)"


class TokenAuth:
    """A person's auth token, from their one password sign-in [026, 027]."""

    refused = "EspoCRM no longer accepts your sign-in (401): connect your account again."

    def __init__(self, username: str, token: str) -> None:
        self._value = _b64(f"{username}:{token}")

    def headers(self, method: str, path: str) -> dict[str, str]:
        return {"Espo-Authorization": self._value, "Espo-Authorization-By-Token": "true"}

    def __repr__(self) -> str:
        return "TokenAuth(***)"


def token_set(username: str, token: str) -> dict[str, Any]:
    """What a connection stores: the user name and the token, never the password."""
    return {"kind": "espo_token", "username": username, "token": token}


def auth_for_token(token: dict[str, Any] | None) -> TokenAuth:
    if not token or not token.get("token") or not token.get("username"):
        raise ReconnectNeeded("Connect your account on this site again.")
    return TokenAuth(str(token["username"]), str(token["token"]))


def password_login(
    http: Http, base_url: str, *, username: str, password: str, site: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stored token set for a password, and the site's ``App/user`` answer [026]. A wrong
    password is a 401 with an empty body [022]; a malformed one a 400 [023]."""
    response = http.request(
        "GET",
        base_url.rstrip("/") + API + "/App/user",
        headers={
            "Accept": "application/json",
            "Espo-Authorization": _b64(f"{username}:{password}"),
        },
        site=site,
    )
    if response.status in (400, 401, 403):
        reason = response.headers.get("X-Status-Reason") or ""
        words = "The site refused the user name or password."
        raise ReconnectNeeded(f"{words} {reason}".strip(), status=response.status, site=site)
    try:
        body = json.loads(response.content.decode("utf-8")) if response.content else None
    except (UnicodeDecodeError, ValueError):
        body = None
    if not (200 <= response.status < 300) or not isinstance(body, dict):
        raise UnexpectedAnswer(f"The sign-in answered {response.status}.", site=site)
    token = body.get("token")
    user = body.get("user")
    if not isinstance(token, str) or not token or not isinstance(user, dict):
        raise UnexpectedAnswer("The site answered the sign-in without a token.", site=site)
    # The user name as the site spells it: tokens are checked against it [027].
    name = user.get("userName") if isinstance(user.get("userName"), str) else username
    return token_set(name, token), body
