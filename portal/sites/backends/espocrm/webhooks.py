"""Inbound EspoCRM webhooks: signature and body (contract/espocrm/README.md, "Webhooks").

- ``Signature: base64(webhookId + ":" + hex(HMAC-SHA256(secretKey, raw body)))`` [D001-D020];
  the legacy ``X-Signature`` holds the raw binary digest instead. The **raw bytes** are signed:
  the body is PHP JSON with ``\\/`` and ``\\uXXXX`` escapes, so re-encoding it would not match
  [D019, D020].
- Each webhook (one per event) has its own secret key. The portal keeps one secret text per
  site, so that text holds every ``webhookId:secretKey`` pair of the site, separated by spaces
  (``stored_secret``); a bare secret key (no id) is also taken.
- A delivery is a bare JSON array of up to 50 events [D001], sent by a scheduled job, not in
  real time. The body does not name the event: it is read from the element's shape. A delete
  holds only ``{id}`` [D005]; a status webhook exactly ``{id, status}`` [D004]; a create the
  whole record (``createdAt`` and ``name``) [D001]; an update only the changed attributes plus
  ``id`` (and ``reminders``/``parentName``), even when nothing changed [D003].
- Retries resend the same body [D006-D013]; the same event twice in one batch is told once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..types import MAX_SHORT

SIGNATURE = "Signature"
LEGACY_SIGNATURE = "X-Signature"
EVENTS = ("Task.create", "Task.update", "Task.delete", "Task.fieldUpdate.status")
MAX_EVENTS = 200  # EspoCRM batches 50 [D001]; room for a site configured larger
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class WebhookRefused(ValueError):
    """The body is not a Task webhook delivery the portal can read."""


def sign(webhook_id: str, secret: str, raw_body: bytes) -> str:
    """The ``Signature`` value EspoCRM sends for this body (tests and demos sign with it)."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return base64.b64encode(f"{webhook_id}:{digest}".encode()).decode()


def stored_secret(hooks: Iterable[tuple[str, str, str]]) -> str:
    """The site's one secret text for its webhooks, from ``(event, id, secretKey)``."""
    return " ".join(f"{hook_id}:{secret}" for _event, hook_id, secret in hooks)


def _secrets(stored: str) -> tuple[dict[str, str], list[str]]:
    by_id: dict[str, str] = {}
    bare: list[str] = []
    for part in (stored or "").replace(",", " ").split():
        hook_id, sep, secret = part.partition(":")
        if sep and secret:
            by_id[hook_id] = secret
        else:
            bare.append(part)
    return by_id, bare


def _decoded(header: str | None) -> tuple[str, bytes] | None:
    if not header:
        return None
    try:
        text = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    hook_id, sep, digest = text.partition(b":")
    if not sep:
        return None
    try:
        return hook_id.decode("ascii"), digest
    except UnicodeDecodeError:
        return None


def verified(stored: str, raw_body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether the body was signed with the secret of the webhook it names (constant-time).
    ``Signature`` is checked; ``X-Signature`` only when the first is missing."""
    by_id, bare = _secrets(stored)
    header = headers.get(SIGNATURE)
    legacy = header is None
    found = _decoded(headers.get(LEGACY_SIGNATURE) if legacy else header)
    if found is None:
        return False
    hook_id, given = found
    candidates = [by_id[hook_id]] if hook_id in by_id else bare
    ok = False
    for secret in candidates:
        mac = hmac.new(secret.encode(), raw_body, hashlib.sha256)
        expected = mac.digest() if legacy else mac.hexdigest().encode()
        ok = hmac.compare_digest(given, expected) or ok
    return ok


def event_of(element: Mapping[str, Any]) -> str:
    keys = set(element)
    if keys == {"id"}:
        return "Task.delete"  # [D005]; an empty update still holds reminders [D003]
    if keys == {"id", "status"}:
        return "Task.fieldUpdate.status"  # [D004]
    if "createdAt" in keys and "name" in keys:
        return "Task.create"  # the whole record [D001]
    return "Task.update"  # changed attributes only [D003]


def events(raw_body: bytes) -> list[tuple[str, str, str | None]]:
    """``(task id, event, status or None)`` for each event, in order, each told once; every
    stored field checked to fit before any is returned."""
    try:
        body = json.loads(raw_body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise WebhookRefused("The body is not JSON.") from None
    if isinstance(body, Mapping):
        body = [body]  # a single event, should a site ever send one bare
    if not isinstance(body, list) or not body:
        raise WebhookRefused("The body is not a list of events.")
    if len(body) > MAX_EVENTS:
        raise WebhookRefused(f"More than {MAX_EVENTS} events in one delivery.")
    out: list[tuple[str, str, str | None]] = []
    for element in body:
        if not isinstance(element, Mapping):
            raise WebhookRefused("An event is not a JSON object.")
        task_id = element.get("id")
        if not isinstance(task_id, str) or not _ID.fullmatch(task_id):
            raise WebhookRefused("An event has no task id.")
        status = element.get("status")
        if status is not None and not (isinstance(status, str) and 0 < len(status) <= MAX_SHORT):
            raise WebhookRefused("An event's status is not a short text.")
        told = (task_id, event_of(element), status)
        if told not in out:
            out.append(told)
    return out
