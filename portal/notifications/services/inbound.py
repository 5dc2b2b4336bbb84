"""Webhooks from Frappe sites: verified, deduplicated, and acted on (cache refreshed, the site's
last webhook time booked, a finished task no longer reminded, the transition recorded)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from portal import clock
from portal.notifications.models import InboundWebhook, TaskTransition
from portal.notifications.services.actions import task_finished
from portal.sites.frappe.webhooks import WebhookRefused, parse_delivery, verify_signature
from portal.sites.models import Site
from portal.sites.services.cache import site_cache_bump


@dataclass(frozen=True)
class InboundResult:
    status: int  # the HTTP status to answer
    message: str


def inbound_receive(*, site: Site, raw_body: bytes, signature: str | None) -> InboundResult:
    secret = site.webhook_secret
    if not secret:
        return InboundResult(404, "This site takes no webhooks.")
    if not verify_signature(secret, raw_body, signature):
        return InboundResult(403, "Bad or missing signature.")
    try:
        delivery = parse_delivery(raw_body)
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
        # and body is a repeat (../shared/contract/README.md, "Webhooks").
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
