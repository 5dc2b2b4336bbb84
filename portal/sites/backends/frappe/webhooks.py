"""Inbound Frappe webhooks (the Webhook doctype): signature and body, the only place that knows
their shape.

- ``X-Frappe-Webhook-Signature`` = base64(HMAC-SHA256(secret, raw request body)); no timestamp,
  no delivery id (contract/README.md, "Webhooks"; the five deliveries in
  ``recordings/webhook_deliveries.jsonl`` verify with ``lab-webhook-secret``).
- The body is the site admin's template. The "Form URL-Encoded" structure still sends JSON, but
  without a Content-Type; ``name`` may be a string ("37") or a number (37); ``event`` is there
  only when the template puts it there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .buckets import portal_status
from .models import MAX_SHORT, MAX_TITLE, PortalStatus

SIGNATURE_HEADER = "X-Frappe-Webhook-Signature"


class WebhookRefused(ValueError):
    """The body is not a task webhook the portal can read."""


@dataclass(frozen=True)
class WebhookDelivery:
    task_id: str
    event: str  # "" when the template does not say
    status: str | None  # the site's value, when the template sends it
    portal_status: PortalStatus | None
    title: str | None
    fields: dict[str, Any] = field(default_factory=dict, compare=False)


def sign(secret: str, raw_body: bytes) -> str:
    """The header value Frappe sends for this body (tests and demos use it to sign)."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(secret: str, raw_body: bytes, header: str | None) -> bool:
    """True when ``header`` is the signature of exactly these bytes; constant-time compare."""
    if not secret or not header:
        return False
    try:
        given = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


def parse_delivery(raw_body: bytes) -> WebhookDelivery:
    try:
        body = json.loads(raw_body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise WebhookRefused("The body is not JSON.") from None
    if not isinstance(body, dict):
        raise WebhookRefused("The body is not a JSON object.")
    name = body.get("name")
    if isinstance(name, bool) or name is None:
        raise WebhookRefused("The body has no task name.")
    try:
        task_id = int(str(name).strip())
    except ValueError:
        raise WebhookRefused("The task name is not a number.") from None
    if task_id <= 0:
        raise WebhookRefused("The task name is not a task id.")
    status = body.get("status")
    status = status.strip()[:MAX_SHORT] if isinstance(status, str) and status.strip() else None
    title = body.get("title")
    event = body.get("event") if isinstance(body.get("event"), str) else ""
    fields = {k: v for k, v in list(body.items())[:40] if isinstance(k, str)}
    return WebhookDelivery(
        task_id=str(task_id),
        event=event[:40],
        status=status,
        portal_status=portal_status(status) if status else None,
        title=title[:MAX_TITLE] if isinstance(title, str) else None,
        fields=fields,
    )


# CRM Task names are the site's 64-bit autoincrement numbers: anything else is refused before
# the portal writes anything.
_TASK_ID_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: int() would also take "+5", "1_0", "٣٧"


def delivery_checked(raw_body: bytes) -> WebhookDelivery:
    """The delivery, once every field the portal stores is known to fit: ``name`` a task id
    (a whole number or a string of digits), ``status`` absent or a short text."""
    delivery = parse_delivery(raw_body)  # proves the body is a JSON object with a name
    body = json.loads(raw_body)
    name = body["name"]
    if isinstance(name, str):
        name = name.strip()
        fits = _DIGITS.fullmatch(name) is not None and 0 < int(name) <= _TASK_ID_MAX
    else:
        fits = type(name) is int and 0 < name <= _TASK_ID_MAX
    if not fits:
        raise WebhookRefused("The task name is not a task id.")
    status = body.get("status")
    if status is not None and not (isinstance(status, str) and len(status) <= MAX_SHORT):
        raise WebhookRefused("The status is not a short text.")
    return delivery
