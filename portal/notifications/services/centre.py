"""The notification centre: delivering into it (in the ledger's transaction), reading it, and
marking what a person has read. Only a person's own notifications are ever touched."""

from __future__ import annotations

from django.db import transaction

from portal import clock
from portal.notifications.channels import Message
from portal.notifications.channels.in_portal import PortalTransport
from portal.notifications.models import Channel, Delivery, Notification


def notification_deliver(
    *, delivery_id: int, token: str, transport: PortalTransport, message: Message
) -> bool:
    """Marks a claimed delivery sent and writes its notification, together or not at all.
    False when the claim was lost (the sweeper released it; another worker will do it)."""
    now = clock.now()
    with transaction.atomic():
        updated = Delivery.objects.filter(
            pk=delivery_id, claim_token=token, status=Delivery.Status.CLAIMED
        ).update(status=Delivery.Status.SENT, sending_at=now, sent_at=now)
        if updated != 1:
            return False
        transport.notify(message, delivery_id=delivery_id)
        Channel.objects.filter(pk=transport.channel.pk).update(
            last_success_at=now, broken_at=None, broken_reason=""
        )
    return True


def notifications_for(*, user, limit: int = 100) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def notifications_unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_mark_read(*, user, notification_id: int) -> Notification | None:
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = clock.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=clock.now())
