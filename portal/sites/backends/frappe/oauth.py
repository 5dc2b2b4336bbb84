"""OAuth2 against Frappe's provider: the authorization URL (PKCE S256), the code exchange, the
refresh grant and revocation, for the portal's connect flow and for ``OAuthBearer``.

Frappe's token endpoint reads form bodies only [124] and takes any Basic header as an API key
[NOTES.md], so ``client_id`` always goes in the body. requests-oauthlib sends through the portal's
HTTP seam (``Http.session_adapter``). Token values are never logged here.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from oauthlib.oauth2 import LegacyApplicationClient, OAuth2Error, WebApplicationClient
from requests_oauthlib import OAuth2Session

from portal.http import Http

from .errors import (
    AddressRefused,
    ReconnectNeeded,
    UnexpectedAnswer,
    ValidationFailed,
    error_for_status,
)

OAUTH_PREFIX = "/api/method/frappe.integrations.oauth2."
DEFAULT_SCOPE = "all openid"
_TOKEN_KEYS = ("access_token", "refresh_token", "token_type", "expires_in", "expires_at", "scope")


def oauth_url(site_base: str, endpoint: str) -> str:
    """``authorize``, ``get_token``, ``revoke_token``, ``openid_configuration``... [114]"""
    return f"{site_base.rstrip('/')}{OAUTH_PREFIX}{endpoint}"


def authorization_url(
    *,
    site_base: str,
    client_id: str,
    redirect_uri: str,
    scope: str = DEFAULT_SCOPE,
    http: Http,
) -> tuple[str, str, str]:
    """(url to send the browser to, state, code_verifier). Keep state and verifier in the
    user's session until the callback: requests-oauthlib keeps the verifier only on its session
    object, so we make it ourselves with oauthlib's public helpers and send its S256 challenge
    (PKCE works on Frappe [143-148])."""
    url = oauth_url(site_base, "authorize")
    _permit_insecure(http, url)
    maker = WebApplicationClient(client_id)
    verifier = maker.create_code_verifier(64)
    challenge = maker.create_code_challenge(verifier, "S256")
    session = OAuth2Session(client_id, redirect_uri=redirect_uri, scope=scope)
    try:
        auth_url, state = session.authorization_url(
            url, code_challenge=challenge, code_challenge_method="S256"
        )
    except OAuth2Error as exc:
        raise AddressRefused(f"Cannot build the authorization URL: {exc.error}.") from None
    return auth_url, state, verifier


def exchange_code(
    *,
    site_base: str,
    client_id: str,
    redirect_uri: str,
    code: str,
    code_verifier: str,
    http: Http,
    clock: Callable[[], float] = time.time,
    site: str | None = None,
) -> dict[str, Any]:
    """Trade the callback's code for a token set. A wrong, missing or replayed verifier or code
    is a 400 invalid_grant [145, 149, 153] → ValidationFailed."""
    session = _session(http=http, client_id=client_id, redirect_uri=redirect_uri, site=site)
    url = oauth_url(site_base, "get_token")
    _permit_insecure(http, url)
    try:
        token = session.fetch_token(
            url,
            code=code,
            code_verifier=code_verifier,
            include_client_id=True,  # client_id in the body, no Basic header [NOTES.md]
            timeout=http.timeout,
        )
    except OAuth2Error as exc:
        raise ValidationFailed(f"The site refused the code: {exc.error}.", site=site) from None
    return _stored(token, clock=clock)


def refresh_grant(
    *,
    site_base: str,
    client_id: str,
    refresh_token: str,
    http: Http,
    clock: Callable[[], float] = time.time,
    site: str | None = None,
) -> dict[str, Any]:
    """A new token set from a refresh token. A dead refresh token is a 404 DoesNotExistError
    whose message echoes the token [140, 167]; it becomes ReconnectNeeded, redacted."""
    session = _session(http=http, client_id=client_id, redirect_uri=None, site=site, refresh=True)
    url = oauth_url(site_base, "get_token")
    _permit_insecure(http, url)
    try:
        token = session.refresh_token(
            url, refresh_token=refresh_token, client_id=client_id, timeout=http.timeout
        )
    except OAuth2Error as exc:
        raise ReconnectNeeded(f"The site refused the refresh: {exc.error}.", site=site) from None
    return _stored(token, clock=clock)


def password_grant(
    *,
    site_base: str,
    client_id: str,
    username: str,
    password: str,
    http: Http,
    scope: str = DEFAULT_SCOPE,
    clock: Callable[[], float] = time.time,
    site: str | None = None,
) -> dict[str, Any]:
    """A token set for a site user's own password (Frappe allows the password grant [119]; a
    wrong password is a 401 AuthenticationError [122]). For demos and scripts, not for people:
    people connect through the authorization code flow and never give the portal a password."""
    session = _session(
        http=http,
        client_id=client_id,
        redirect_uri=None,
        site=site,
        client=LegacyApplicationClient(client_id),  # oauthlib's name for the password grant
    )
    url = oauth_url(site_base, "get_token")
    _permit_insecure(http, url)
    try:
        token = session.fetch_token(
            url,
            username=username,
            password=password,
            scope=scope,
            include_client_id=True,  # client_id in the body, no Basic header [NOTES.md]
            timeout=http.timeout,
        )
    except OAuth2Error as exc:
        raise ValidationFailed(
            f"The site refused the password grant: {exc.error}.", site=site
        ) from None
    return _stored(token, clock=clock)


def revoke(
    *,
    site_base: str,
    client_id: str,
    token: str,
    http: Http,
    token_type_hint: str = "refresh_token",  # noqa: S107 (a hint's name, not a password)
    site: str | None = None,
) -> None:
    """Revoke a refresh token and its access token [166-168]. Revoking an access token does
    nothing on Frappe [170, 171], so revoke the refresh token."""
    response = http.request(
        "POST",
        oauth_url(site_base, "revoke_token"),
        data={
            "token": token,
            "token_type_hint": token_type_hint,
            "client_id": client_id,
        },
        site=site,
    )
    if response.status >= 300:
        raise error_for_status(
            response.status, _json_or_text(response.content), site=site, write=True
        )


# --- plumbing ------------------------------------------------------------------------------


def _session(
    *,
    http: Http,
    client_id: str,
    redirect_uri: str | None,
    site: str | None,
    refresh: bool = False,
    client: Any = None,
) -> OAuth2Session:
    session = OAuth2Session(client_id, client=client, redirect_uri=redirect_uri)
    session.trust_env = False  # no proxies or .netrc from the environment
    adapter = http.session_adapter(site=site)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    hook = "refresh_token_response" if refresh else "access_token_response"
    session.register_compliance_hook(hook, _raise_for_token_error(site=site, refresh=refresh))
    return session


def _raise_for_token_error(*, site: str | None, refresh: bool) -> Callable[[Any], Any]:
    """requests-oauthlib never looks at the status code; classify errors before it parses."""

    def hook(response: Any) -> Any:
        if response.status_code == 200:
            return response
        body = _json_or_text(response.content)
        error = error_for_status(
            response.status_code,
            body,
            site=site,
            write=True,
            retry_after=response.headers.get("Retry-After"),
        )
        if refresh and response.status_code in (400, 401, 403, 404):
            # 404 DoesNotExistError for a dead refresh token [140, 167]; 400 invalid_grant.
            raise ReconnectNeeded(error.message, status=response.status_code, site=site)
        raise error

    return hook


def _stored(token: Mapping[str, Any], *, clock: Callable[[], float]) -> dict[str, Any]:
    if not token.get("access_token"):
        raise UnexpectedAnswer("The token answer has no access token.")
    out = {k: token[k] for k in _TOKEN_KEYS if token.get(k) is not None}
    if isinstance(out.get("scope"), list | tuple):
        out["scope"] = " ".join(out["scope"])
    if isinstance(token.get("expires_in"), int | float | str):
        try:
            out["expires_at"] = clock() + float(token["expires_in"])
        except ValueError:
            out.pop("expires_at", None)
    return out


def _permit_insecure(http: Http, url: str) -> None:
    """oauthlib refuses http:// unless OAUTHLIB_INSECURE_TRANSPORT is set. Set it only when the
    address policy already allows plain http (stand-ins in development and tests)."""
    if url.startswith("http://"):
        if not http.policy.allow_insecure_http:
            raise AddressRefused("OAuth over plain http is not allowed.")
        os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")


def _json_or_text(content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8", errors="replace"))
    except ValueError:
        return content.decode("utf-8", errors="replace")[:2000]
