"""Making, finding and revoking personal access tokens.

A token reads ``ptk_<8 hex>_<43 url-safe characters>``: the first part is the visible prefix
(stored as is, unique), the rest 32 random bytes. Only the SHA-256 of the whole token is kept,
compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction

from portal import clock
from portal.api.models import ApiToken
from portal.sites.access import site_list_for_user
from portal.sites.audit import audit_record

PREFIX = "ptk_"
# How often a token's "last used" is written: every request would be a write per request.
LAST_USED_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Made:
    token: ApiToken
    secret: str  # the whole token, to show once and never again


def token_create(
    *,
    user: User,
    name: str,
    scope: str,
    expires_at: datetime | None = None,
    site_ids: Iterable[int] = (),
) -> Made:
    """A new token for ``user``; sites it is limited to must be ones the person may see."""
    visible = set(site_list_for_user(user=user).values_list("pk", flat=True))
    chosen = sorted(set(site_ids) & visible)
    with transaction.atomic():
        while True:
            prefix = PREFIX + secrets.token_hex(4)
            if not ApiToken.objects.filter(prefix=prefix).exists():
                break
        secret = f"{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=user, name=name.strip()[:100], prefix=prefix, digest=_digest(secret),
            scope=scope, created_at=clock.now(), expires_at=expires_at,
        )  # fmt: skip
        token.sites.set(chosen)
        audit_record(user=user, site=None, action="api_token_create", changes={
            "token": prefix, "name": token.name, "scope": scope,
            "expires_at": expires_at.isoformat() if expires_at else None, "sites": chosen,
        })  # fmt: skip
    return Made(token=token, secret=secret)


def token_revoke(*, user: User, token_id: int) -> ApiToken | None:
    """Revokes one of the person's own tokens; None when there is no such token of theirs."""
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            user=user, site=None, action="api_token_revoke", changes={"token": token.prefix}
        )
    return token


def token_list_for_user(*, user: User):
    return ApiToken.objects.filter(user=user).prefetch_related("sites")


def token_find(raw: str) -> ApiToken | None:
    """The usable token ``raw`` is, or None (unknown, wrong secret, revoked, expired, or its
    person no longer active). Marks it used, at most once a minute."""
    raw = (raw or "").strip()
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    prefix, _sep, rest = raw[len(PREFIX) :].partition("_")
    if not rest:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=PREFIX + prefix).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    if not token.usable or not token.user.is_active:
        return None
    now = clock.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_site_ids(token: ApiToken) -> frozenset[int] | None:
    """The sites a token is limited to, or None: every site its person may see."""
    ids = frozenset(token.sites.values_list("pk", flat=True))
    return ids or None
