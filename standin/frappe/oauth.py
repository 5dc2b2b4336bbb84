"""OAuth2 / OpenID provider as Frappe 15 runs it (contract README, Authentication).

State per site: clients, bearer-token records (an access token and its refresh
token), and authorization codes. What the recordings show:
- every refresh makes a new record and leaves the old one Active [134-139];
- a refresh token that is garbage or revoked is a 404 echoing it [140, 167];
- revoking a refresh token (with client_id) revokes its record [166-168];
  without client_id it is a 404 [156]; with any Authorization header, or for an
  access token, it is 401 `{}` and nothing changes [170, 171];
- access tokens expire after `access_token_ttl` seconds of the site clock.
Endpoints live in oauth_endpoints.py; pages in oauth_pages.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

_ALPHABET = string.ascii_letters + string.digits
DESK_USER = "Desk User"


def generate_token(length: int = 30) -> str:
    """oauthlib's token shape: 30 letters and digits [119]."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def redirect_list(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return [v for v in str(value or "").replace(",", " ").split() if v]


@dataclass
class BearerToken:
    access_token: str
    refresh_token: str
    client_id: str
    user: str
    scope: str
    expires_at: datetime
    status: str = "Active"


@dataclass
class AuthCode:
    code: str
    client_id: str
    user: str
    redirect_uri: str
    scope: str
    challenge: str | None
    method: str | None
    nonce: str | None
    expires_at: datetime
    valid: bool = True


class OAuthProvider:
    def __init__(self, site) -> None:
        self.site = site
        self._lock = threading.RLock()
        self.clients: dict[str, dict] = {}
        self.tokens: dict[str, BearerToken] = {}  # by access token
        self.by_refresh: dict[str, BearerToken] = {}
        self.codes: dict[str, AuthCode] = {}

    # -- clients ------------------------------------------------------------------
    def reset(self, clients: list[dict]) -> None:
        with self._lock:
            self.clients, self.tokens, self.by_refresh, self.codes = {}, {}, {}, {}
        for client in clients:
            self.add_client(client)

    def add_client(self, data: dict) -> None:
        uris = redirect_list(data.get("redirect_uris"))
        default = data.get("default_redirect_uri") or (uris[0] if uris else None)
        client = {
            "client_id": str(data["client_id"]),
            "client_secret": str(data.get("client_secret") or generate_token(10)),
            "app_name": data.get("app_name") or str(data["client_id"]),
            "redirect_uris": uris,
            "default_redirect_uri": default,
            "skip_authorization": bool(int(data.get("skip_authorization") or 0)),
            "scopes": data.get("scopes") or "all openid",
            # Frappe 15's "Allowed Roles": only Desk User unless the admin adds roles, so a
            # Website User cannot authorize (contract README, "Learned on a second real site").
            "allowed_roles": list(data.get("allowed_roles") or [DESK_USER]),
        }
        with self._lock:
            self.clients[client["client_id"]] = client

    def client_list(self) -> list[dict]:
        with self._lock:
            return [dict(c) for c in self.clients.values()]

    def client(self, client_id) -> dict | None:
        with self._lock:
            return self.clients.get(str(client_id)) if client_id else None

    # -- tokens -------------------------------------------------------------------
    def issue(self, client_id: str, user: str, scope: str) -> BearerToken:
        ttl = timedelta(seconds=self.site.config.access_token_ttl)
        token = BearerToken(
            generate_token(),
            generate_token(),
            client_id,
            user,
            scope,
            self.site.clock.now_utc() + ttl,
        )
        with self._lock:
            self.tokens[token.access_token] = token
            self.by_refresh[token.refresh_token] = token
        return token

    def active_refresh(self, refresh_token: str) -> BearerToken | None:
        with self._lock:
            token = self.by_refresh.get(refresh_token)
            return token if token is not None and token.status == "Active" else None

    def by_access(self, access_token: str) -> BearerToken | None:
        with self._lock:
            return self.tokens.get(access_token)

    def revoke(self, token: BearerToken) -> None:
        with self._lock:
            token.status = "Revoked"

    def user_for_access_token(self, access_token: str):
        token = self.by_access(access_token)
        if token is None or token.status != "Active":
            return None
        if self.site.clock.now_utc() >= token.expires_at:
            return None
        user = self.site.users.get(token.user)
        return user if user is not None and user.enabled else None

    # -- codes --------------------------------------------------------------------
    def new_code(
        self,
        client_id: str,
        user: str,
        redirect_uri: str,
        scope: str,
        challenge: str | None,
        method: str | None,
        nonce: str | None,
    ) -> str:
        code = AuthCode(
            generate_token(),
            client_id,
            user,
            redirect_uri,
            scope,
            challenge,
            (method or "").lower() or None,
            nonce,
            self.site.clock.now_utc() + timedelta(seconds=self.site.config.auth_code_ttl),
        )
        with self._lock:
            self.codes[code.code] = code
        return code.code

    def take_code(self, code: str, client_id: str, verifier: str | None) -> AuthCode | None:
        """Frappe's validate_code: a missing verifier kills the code; a wrong one
        does not [145, 153]. A used code is gone [149]."""
        with self._lock:
            found = self.codes.get(code or "")
            if found is None or not found.valid or found.client_id != client_id:
                return None
            if self.site.clock.now_utc() >= found.expires_at:
                return None
            if found.challenge and not verifier:
                found.valid = False
                return None
            if found.method == "s256":
                digest = hashlib.sha256((verifier or "").encode()).digest()
                computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
                if not hmac.compare_digest(computed, found.challenge or ""):
                    return None
            elif found.method == "plain" and verifier != found.challenge:
                return None
            return found

    def spend_code(self, code: AuthCode) -> None:
        with self._lock:
            code.valid = False

    # -- OpenID -------------------------------------------------------------------
    def userinfo(self, user) -> dict:
        return {
            "sub": user.social_userid,
            "name": user.full_name,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "email": user.email,
            "picture": None,
            "roles": user.all_roles(),
            "iss": self.site.host_name,
        }

    def id_token(self, token: BearerToken, nonce: str | None) -> str:
        """An HS256 JWT signed with the client secret, as Frappe makes it [148]."""
        client = self.client(token.client_id) or {"client_secret": ""}
        user = self.site.users.get(token.user)
        now = int(self.site.clock.now_utc().timestamp())
        digest = hashlib.sha256(token.access_token.encode()).digest()
        at_hash = base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")
        claims = {
            "aud": token.client_id,
            "iat": now,
            "at_hash": at_hash,
            "exp": now + 3600,
            "iss": self.site.host_name,
        }
        if nonce:
            claims["nonce"] = nonce
        info = self.userinfo(user)
        info.pop("iss")
        claims.update(info)

        def part(obj) -> str:
            raw = json.dumps(obj, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        signing = f"{part({'alg': 'HS256', 'typ': 'jwt'})}.{part(claims)}"
        mac = hmac.new(client["client_secret"].encode(), signing.encode(), hashlib.sha256)
        return signing + "." + base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")

    def methods(self) -> dict:
        from standin.frappe.oauth_endpoints import METHODS

        return METHODS
