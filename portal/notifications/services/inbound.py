"""Webhooks from Frappe sites: verified, deduplicated, and acted on (cache refreshed, the site's
last webhook time booked, a finished task no longer reminded, the transition recorded)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from portal import clock
from portal.notifications.models import InboundWebhook, TaskTransition
from portal.notifications.services.actions import task_finished
from portal.sites.frappe.models import MAX_SHORT
from portal.sites.frappe.webhooks import (
    WebhookDelivery,
    WebhookRefused,
    parse_delivery,
    verify_signature,
)
from portal.sites.models import Site
from portal.sites.services.cache import site_cache_bump

# Task ids are stored in 64-bit integer columns: a larger name must be refused before any write,
# not fail halfway through them.
_TASK_ID_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: int() would also take "+5", "1_0", "٣٧"


@dataclass(frozen=True)
class InboundResult:
    status: int  # the HTTP status to answer
    message: str


def _delivery_checked(raw_body: bytes) -> WebhookDelivery:
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


def inbound_receive(*, site: Site, raw_body: bytes, signature: str | None) -> InboundResult:
    secret = site.webhook_secret
    if not secret:
        return InboundResult(404, "This site takes no webhooks.")
    if not verify_signature(secret, raw_body, signature):
        return InboundResult(403, "Bad or missing signature.")
    try:
        delivery = _delivery_checked(raw_body)
    except WebhookRefused as exc:
        return InboundResult(400, str(exc))
    now = clock.now()
    Site.objects.filter(pk=site.pk).update(last_webhook_at=now)
    try:
        with transaction.atomic():
            InboundWebhook.objects.create(
                site=site,
                task_id=delivery.task_id,
                event=delivery.event,
                digest=hashlib.sha256(raw_body).hexdigest(),
                received_at=now,
            )
    except IntegrityError:
        # Frappe retries deliveries and sends no delivery id: the same site, document, event
        # and body is a repeat (contract/README.md, "Webhooks").
        return InboundResult(200, "Already received.")
    site_cache_bump(site.pk)
    if delivery.status:
        task_finished(
            site=site,
            task_id=delivery.task_id,
            status=delivery.status,
            source=TaskTransition.Source.WEBHOOK,
        )
    return InboundResult(200, "Received.")
