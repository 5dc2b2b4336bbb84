"""Credentials: simplejwt-style HS256 tokens (1 h access, 14-day refresh, rotated and
blacklisted [011, 012]), magic links and codes, personal access tokens and the org API key.
The org comes only from the credential, never from a header [081, 082]."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from standin.djangocrm.state import Org, Pat, Profile, State, User, new_id

ACCESS_LIFETIME = timedelta(hours=1)
REFRESH_LIFETIME = timedelta(days=14)
WRITE_SCOPE = "tasks:write"


@dataclass
class Credential:
    user: User
    profile: Profile | None  # None: a JWT without an org [008]
    can_write: bool = True  # False: a read-only PAT or the org API key [078, 080]

    @property
    def org(self) -> Org | None:
        return self.profile.org if self.profile else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(state: State, claims: dict) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(state.secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


def claims_of(state: State, token: str) -> dict | None:
    """The payload of a token this site signed, expired or not; None for anything else."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    mac = hmac.new(state.secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256)
    try:
        if not hmac.compare_digest(_b64(mac.digest()), parts[2]):
            return None
        return json.loads(_unb64(parts[1]))
    except ValueError:
        return None


def is_expired(state: State, claims: dict) -> bool:
    return claims.get("exp", 0) <= state.now().timestamp()


def _claims(state: State, kind: str, user: User, profile: Profile | None) -> dict:
    """The recorded claim set, in order; the org part only once one is chosen [005, 010]."""
    now = state.now()
    life = ACCESS_LIFETIME if kind == "access" else REFRESH_LIFETIME
    claims = {
        "token_type": kind,
        "exp": int((now + life).timestamp()),
        "iat": int(now.timestamp()),
        "jti": secrets.token_hex(16),
        "user_id": user.id,
        "user_email": user.email,
        "user_name": user.name,
        "user_profile_pic": "",
    }
    if profile is not None:
        claims.update(
            org_id=profile.org.id,
            org_name=profile.org.name,
            org_settings={"default_currency": "USD", "currency_symbol": "$",
                          "default_country": None},
            role=profile.role,
        )  # fmt: skip
    return claims


def pair(state: State, user: User, profile: Profile | None) -> tuple[str, str]:
    return (sign(state, _claims(state, "access", user, profile)),
            sign(state, _claims(state, "refresh", user, profile)))  # fmt: skip


def use_refresh(state: State, token: str) -> dict | None:
    """The claims of a live refresh token, now blacklisted (rotation [012], logout [133])."""
    claims = claims_of(state, token)
    if (claims is None or claims.get("token_type") != "refresh" or is_expired(state, claims)
            or claims["jti"] in state.blacklist):  # fmt: skip
        return None
    state.blacklist.add(claims["jti"])
    return claims


def profile_for_claims(state: State, claims: dict) -> Profile | None:
    org = state.orgs.get(claims.get("org_id") or "")
    user = next((u for u in state.users.values() if u.id == claims.get("user_id")), None)
    return state.profile_of(user, org) if org and user else None


def user_for_claims(state: State, claims: dict) -> User | None:
    return next((u for u in state.users.values() if u.id == claims.get("user_id")), None)


def issue_sign_in(state: State, email: str) -> None:
    """What the emailed message carries: a link token and a 6-digit code [003, 018]."""
    state.magic_links = {t: e for t, e in state.magic_links.items() if e != email}
    state.magic_links[secrets.token_hex(32)] = email
    state.codes[email] = f"{secrets.randbelow(10**6):06d}"


def resolve(state: State, headers: dict[str, str]) -> tuple[Credential | None, str | None]:
    """(credential, why not): why is "expired" for a well-signed token past its exp [135]."""
    key = headers.get("token")
    if key:
        org = next((o for o in state.orgs.values() if o.api_key == key), None)
        admin = next((p for p in state.members(org) if p.is_admin), None) if org else None
        return (Credential(admin.user, admin, can_write=False), None) if admin else (None, None)
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None, None
    pat = state.pats.get(token)
    if pat is not None:
        return Credential(pat.profile.user, pat.profile, WRITE_SCOPE in pat.scopes), None
    claims = claims_of(state, token)
    if claims is None or claims.get("token_type") != "access":
        return None, None
    if is_expired(state, claims):
        return None, "expired"
    user = user_for_claims(state, claims)
    if user is None:
        return None, None
    return Credential(user, profile_for_claims(state, claims)), None


def new_pat(state: State, profile: Profile, name: str, scopes: list[str], *,
            token: str | None = None):  # fmt: skip
    token = token or "bcrm_pat_" + secrets.token_urlsafe(32)
    pat = Pat(new_id(), token, name, list(scopes), profile, state.now())
    state.pats[token] = pat
    return pat
