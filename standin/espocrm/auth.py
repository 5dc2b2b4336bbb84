"""Credentials as EspoCRM 9.1 reads them [009-028, 171]: ``X-Api-Key``, ``X-Hmac-Authorization``
(base64(apiKey + ":" + hex or raw HMAC-SHA256(secret, "METHOD /path")), the path after
``/api/v1``), ``Authorization: Basic`` and ``Espo-Authorization`` (user:password, or user:token
with or without ``Espo-Authorization-By-Token``), and the roles' access table."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from standin.espocrm.state import State, User


class AuthError(Exception):
    def __init__(self, status: int, reason: str = "", www: bool = False) -> None:
        super().__init__(reason)
        self.status, self.reason, self.www = status, reason, www


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.strip(), validate=False)
    except (binascii.Error, ValueError):
        return None


def hmac_ok(user: User, signature: bytes, method: str, path: str) -> bool:
    digest = hmac.new(user.secret_key.encode(), f"{method} {path}".encode(), hashlib.sha256)
    return hmac.compare_digest(signature, digest.hexdigest().encode()) or hmac.compare_digest(
        signature, digest.digest()
    )


def resolve(state: State, method: str, path: str, headers: dict, cookies: dict):
    """(user, new auth token or None, token secret or None); raises AuthError."""
    api_key = headers.get("x-api-key")
    signed = headers.get("x-hmac-authorization")
    if signed:
        raw = _b64(signed) or b""
        key, _, signature = raw.partition(b":")
        user = next(
            (
                u
                for u in state.users.values()
                if u.api_key == key.decode("latin-1") and u.auth_method == "Hmac"
            ),
            None,
        )
        if user and user.is_active and hmac_ok(user, signature, method, path):
            return user, None, None
        raise AuthError(401)
    if api_key:
        user = next(
            (u for u in state.users.values() if u.api_key == api_key and u.auth_method == "ApiKey"),
            None,
        )
        if user and user.is_active:
            return user, None, None
        raise AuthError(401)
    espo = headers.get("espo-authorization")
    basic = headers.get("authorization", "")
    if espo or basic.lower().startswith("basic "):
        raw = _b64(espo if espo else basic.split(" ", 1)[1]) or b""
        if b":" not in raw:
            raise AuthError(400, "Auth: Bad authorization string provided.")
        name, _, secret = raw.decode("utf-8", "replace").partition(":")
        user = state.user_by_name(name)
        if user is None or not user.is_active or user.type == "api":
            raise AuthError(401)
        by_token = (headers.get("espo-authorization-by-token") or "").lower() == "true"
        token = state.tokens.get(secret)
        if token and token["user"] == user.id:
            if token["secret"] and cookies.get("auth-token-secret") != token["secret"]:
                raise AuthError(401)
            return user, None, None
        if by_token or user.password != secret:
            raise AuthError(401)
        if not espo:
            return user, None, None
        new = secrets.token_hex(16)
        wants_secret = (headers.get("espo-authorization-create-token-secret") or "") == "true"
        token_secret = secrets.token_hex(16) if wants_secret else None
        state.tokens[new] = {"user": user.id, "secret": token_secret}
        return user, new, token_secret
    raise AuthError(401, www=headers.get("x-requested-with") != "XMLHttpRequest")


# -- access -------------------------------------------------------------------------------------

LEVELS = {"no": 0, "own": 1, "team": 2, "all": 3, "yes": 3}


def scope(state: State, user: User, name: str) -> dict | bool | None:
    """A user's merged role entry for a scope (the most permissive of the roles)."""
    if user.type == "admin":
        return {"create": "yes", "read": "all", "edit": "all", "delete": "all", "stream": "all"}
    merged = None
    for role_id in user.roles:
        entry = state.roles[role_id].data.get(name)
        if entry is True or (entry and merged is None):
            merged = entry if merged is None else merged
        if isinstance(entry, dict) and isinstance(merged, dict):
            merged = {
                k: max(merged.get(k, "no"), v, key=lambda x: LEVELS.get(x, 0))
                for k, v in {**merged, **entry}.items()
            }
    return merged


def level(state: State, user: User, name: str, action: str) -> str:
    entry = scope(state, user, name)
    if entry is True:
        return "all"
    if not entry:
        return "no"
    if name == "User" and action == "read":
        return entry.get("read", "all")
    return entry.get(action, "no")


def permission(state: State, user: User, name: str) -> str:
    """assignmentPermission, userPermission, massUpdatePermission ... of a user's roles."""
    if user.type == "admin":
        return "all" if name in ("assignment", "user_permission") else "yes"
    values = [getattr(state.roles[r], name) for r in user.roles]
    values = [v for v in values if v != "not-set"]
    return values[0] if values else ("all" if name in ("assignment", "user_permission") else "no")


def hidden_fields(state: State, user: User, entity: str) -> set[str]:
    out = set()
    if user.type == "admin":
        return out
    for role_id in user.roles:
        for fname, rule in (state.roles[role_id].field_data.get(entity) or {}).items():
            if isinstance(rule, dict) and rule.get("read") == "no":
                out.add(fname)
    return out
