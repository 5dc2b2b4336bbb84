"""Signed links in reminders: Done, Snooze, Acknowledge and unsubscribe.

Signed with Django's signing (SECRET_KEY, a salt per purpose), carrying their issue time from the
portal clock, so they expire by the same clock the rest of the portal runs on (tests set it for
every process). A link is only ever a capability for one task or one address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing

from portal import clock

ACTION_SALT = "portal.notifications.action"
UNSUBSCRIBE_SALT = "portal.notifications.unsubscribe"
ACTIONS = ("done", "snooze", "ack")


class LinkInvalid(Exception):
    """Tampered with, or not one of ours."""


class LinkExpired(Exception):
    """Genuine but too old."""


@dataclass(frozen=True)
class ActionLink:
    action: str  # done | snooze | ack
    site_id: int
    task_id: str
    recipient: str  # who the message was for (audited as the actor)
    delivery_id: int | None


def _now_ts() -> int:
    return int(clock.now().timestamp())


def action_token(
    *, action: str, site_id: int, task_id: str, recipient: str, delivery_id: int | None
) -> str:
    if action not in ACTIONS:
        raise ValueError(action)
    payload = {
        "a": action,
        "s": site_id,
        "t": str(task_id),
        "r": recipient,
        "d": delivery_id,
        "i": _now_ts(),
    }
    return signing.dumps(payload, salt=ACTION_SALT, compress=True)


def _load(token: str, *, salt: str, max_age: timedelta) -> dict:
    try:
        payload = signing.loads(token, salt=salt)
    except signing.BadSignature:
        raise LinkInvalid("This link is not valid.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int):
        raise LinkInvalid("This link is not valid.")
    if _now_ts() - payload["i"] > max_age.total_seconds():
        raise LinkExpired("This link has expired.")
    return payload


def action_from_token(token: str) -> ActionLink:
    payload = _load(
        token, salt=ACTION_SALT, max_age=timedelta(hours=settings.NOTIFY_ACTION_LINK_HOURS)
    )
    try:
        link = ActionLink(
            action=str(payload["a"]),
            site_id=int(payload["s"]),
            task_id=str(payload["t"]),
            recipient=str(payload.get("r") or ""),
            delivery_id=int(payload["d"]) if payload.get("d") is not None else None,
        )
    except (KeyError, TypeError, ValueError):
        raise LinkInvalid("This link is not valid.") from None
    if link.action not in ACTIONS:
        raise LinkInvalid("This link is not valid.")
    return link


def unsubscribe_token(*, address: str) -> str:
    return signing.dumps({"u": address.lower(), "i": _now_ts()}, salt=UNSUBSCRIBE_SALT)


def address_from_unsubscribe_token(token: str) -> str:
    payload = _load(
        token,
        salt=UNSUBSCRIBE_SALT,
        max_age=timedelta(days=settings.NOTIFY_UNSUBSCRIBE_LINK_DAYS),
    )
    address = payload.get("u")
    if not isinstance(address, str) or "@" not in address:
        raise LinkInvalid("This link is not valid.")
    return address
