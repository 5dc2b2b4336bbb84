"""Sending one delivery: claim, check it is still wanted, render, hand to the channel, book the
outcome. A worker killed at any point leaves the row in a state the sweeper understands:
claimed (nothing sent: requeued), sending (maybe sent: "outcome unknown"), or final.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings

from portal import clock
from portal.notifications.channels import TransportError, transport_for
from portal.notifications.models import Channel, Delivery, OptOut
from portal.notifications.services import centre, ledger
from portal.notifications.services.messages import message_render
from portal.notifications.timing import retry_delay

log = logging.getLogger(__name__)


def delivery_send(*, delivery_id: int, worker: str = "") -> str:
    """Returns what happened: "not claimed" (another worker has it, or it is not due), or the
    delivery's new status."""
    token = uuid.uuid4().hex
    if not ledger.delivery_claim(delivery_id=delivery_id, token=token, worker=worker):
        return "not claimed"
    delivery = Delivery.objects.select_related("channel").get(pk=delivery_id)
    channel = delivery.channel
    if channel is None:
        return _fail(delivery, token, TransportError("The channel was removed.", permanent=True))
    if not channel.enabled:
        return _fail(
            delivery,
            token,
            TransportError(
                f"The channel {channel.name} is disabled.", permanent=True, breaks_channel=False
            ),  # fmt: skip
        )
    if channel.is_broken:
        return _fail(
            delivery,
            token,
            TransportError(
                f"The channel {channel.name} is marked broken ({channel.broken_reason[:200]}): "
                "fix it, then replay.",
                permanent=True,
                breaks_channel=False,
            ),
        )
    if delivery.recipient and OptOut.objects.filter(address=delivery.recipient).exists():
        ledger.delivery_mark_obsolete(
            delivery_id=delivery_id, token=token, reason="The recipient unsubscribed."
        )
        return Delivery.Status.OBSOLETE
    try:
        message = message_render(delivery)
    except Exception as exc:  # a rendering bug must not leave the row claimed forever
        log.exception("rendering delivery %s failed", delivery_id)
        return _fail(delivery, token, TransportError(f"Rendering failed: {exc!r}"[:500]))
    if message is None:
        ledger.delivery_mark_obsolete(
            delivery_id=delivery_id,
            token=token,
            reason="Every task it covers was finished before it was sent.",
        )
        return Delivery.Status.OBSOLETE
    transport = transport_for(channel)
    try:
        transport.prepare(message)  # look-ups only: nothing sent yet
    except TransportError as exc:
        return _fail(delivery, token, exc)
    if channel.kind == Channel.Kind.PORTAL:
        # No point of no return: the notification and the sent mark commit together.
        try:
            delivered = centre.notification_deliver(
                delivery_id=delivery_id, token=token, transport=transport, message=message
            )
        except TransportError as exc:
            return _fail(delivery, token, exc)
        return Delivery.Status.SENT if delivered else "lost claim"
    if not ledger.delivery_mark_sending(delivery_id=delivery_id, token=token):
        return "lost claim"  # the sweeper released it: another worker will send it
    try:
        transport.notify(message)
    except TransportError as exc:
        return _fail(delivery, token, exc, sent_may_have_happened=exc.maybe_delivered)
    except Exception as exc:
        # An unexpected error after the send began: it may have gone out.
        log.exception("sending delivery %s failed unexpectedly", delivery_id)
        return _fail(
            delivery,
            token,
            TransportError(f"{type(exc).__name__}: {str(exc)[:300]}"),
            sent_may_have_happened=True,
        )
    ledger.delivery_mark_sent(delivery_id=delivery_id, token=token, channel=channel)
    return Delivery.Status.SENT


def _fail(
    delivery: Delivery, token: str, error: TransportError, *, sent_may_have_happened: bool = False
) -> str:
    channel: Channel | None = delivery.channel
    attempts = Delivery.objects.filter(pk=delivery.pk).values_list("attempts", flat=True).first()
    delay = retry_delay(
        attempt=attempts or 1,
        base_seconds=settings.NOTIFY_RETRY_BASE_SECONDS,
        cap_seconds=settings.NOTIFY_RETRY_CAP_SECONDS,
        retry_after=error.retry_after,
    )
    status = ledger.delivery_mark_failed(
        delivery_id=delivery.pk,
        token=token,
        error=error.message,
        permanent=error.permanent,
        retry_in=delay,
        breaks=error.permanent and error.breaks_channel and channel is not None,
        # The far side may have it and a retry could deliver it twice (a webhook receiver may
        # not drop repeats by their Idempotency-Key): "outcome unknown", a person decides.
        unknown=sent_may_have_happened,
    )
    log.info("delivery %s: %s (%s)", delivery.pk, status, error.message[:200])
    return status


def channel_test(*, channel: Channel, recipient: str = "") -> tuple[bool, str]:
    """ "Send test": sends a sample at once; returns (ok, the exact error or a success note).
    A success clears the broken mark."""
    from portal.notifications.services.formats import test_message

    transport = transport_for(channel)
    message = test_message(channel, recipient=recipient)
    try:
        transport.prepare(message)
        transport.notify(message)
    except TransportError as exc:
        Channel.objects.filter(pk=channel.pk).update(
            last_error=exc.message, last_error_at=clock.now()
        )
        return False, exc.message
    Channel.objects.filter(pk=channel.pk).update(
        last_success_at=clock.now(), broken_at=None, broken_reason=""
    )
    return True, ""
