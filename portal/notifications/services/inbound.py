"""Webhooks from sites (of the kinds that send them): verified by the site's backend,
deduplicated, and acted on (cache refreshed, open pages told, the site's
last webhook time booked, a finished task no longer reminded, the transition recorded)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from portal import clock
from portal.live.events import tasks_changed
from portal.notifications.models import InboundWebhook, TaskTransition
from portal.notifications.services.actions import task_finished
from portal.sites.backends import backend_class
from portal.sites.backends.base import InboundRefused
from portal.sites.models import Site
from portal.sites.services.cache import site_cache_bump


@dataclass(frozen=True)
class InboundResult:
    status: int  # the HTTP status to answer
    message: str


def inbound_receive(*, site: Site, raw_body: bytes, headers) -> InboundResult:
    """``headers``: the request's (case-insensitive), where the site puts its signature."""
    secret = site.webhook_secret
    backend = backend_class(site.backend)
    if not secret or not backend.features.webhooks:
        return InboundResult(404, "This site takes no webhooks.")
    if not backend.inbound_verified(secret=secret, raw_body=raw_body, headers=headers):
        return InboundResult(403, "Bad or missing signature.")
    try:
        events = backend.inbound_events(raw_body)
    except InboundRefused as exc:
        return InboundResult(400, str(exc))
    now = clock.now()
    Site.objects.filter(pk=site.pk).update(last_webhook_at=now)
    digest = hashlib.sha256(raw_body).hexdigest()
    fresh = [event for event in events if _first_time(site, event, digest, now)]
    if not fresh:
        # Sites retry deliveries, and Frappe sends no delivery id: the same site, document,
        # event and body is a repeat (contract/README.md, "Webhooks"); so is an EspoCRM batch
        # sent again.
        return InboundResult(200, "Already received.")
    site_cache_bump(site.pk)
    tasks_changed(site.pk, [event.task_id for event in fresh])
    for event in fresh:
        if event.status and not _already_seen(site, event):
            task_finished(
                site=site,
                task_id=event.task_id,
                status=event.status,
                source=TaskTransition.Source.WEBHOOK,
            )
    return InboundResult(200, "Received.")


def _already_seen(site: Site, event) -> bool:
    """One change can arrive twice in different words: EspoCRM sends a status change both as
    ``Task.update`` and as ``Task.fieldUpdate.status``. The same status again is no transition."""
    last = TaskTransition.objects.filter(site=site, task_id=event.task_id).order_by("-id").first()
    return last is not None and last.status == event.status[:60]


def _first_time(site: Site, event, digest: str, now) -> bool:
    try:
        with transaction.atomic():
            InboundWebhook.objects.create(
                site=site, task_id=event.task_id, event=event.event, digest=digest, received_at=now
            )
    except IntegrityError:
        return False
    return True
