"""The portal's own notification centre as a channel: a delivery becomes a Notification row for
the person whose portal account has the delivery's address.

The row is written inside the ledger's transaction that marks the delivery sent
(``services/centre.notification_deliver``), so a killed worker leaves neither or both: nothing
went anywhere before the commit, and the sweeper can hand a claimed row to another worker
without any risk of a second copy (the row's key is also unique)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from portal import clock
from portal.notifications.channels import Message, Transport, TransportError
from portal.notifications.models import Notification


class PortalTransport(Transport):
    def __init__(self, channel) -> None:
        super().__init__(channel)
        self._user = None

    def prepare(self, message: Message) -> None:
        address = (message.recipient or "").strip()
        if not address:
            raise TransportError(
                "The notification centre reaches people, not a channel of its own.",
                permanent=True,
                breaks_channel=False,
            )
        users = list(get_user_model().objects.filter(email__iexact=address, is_active=True)[:2])
        if len(users) != 1:
            raise TransportError(
                f"No single active portal account has the address {address}.",
                permanent=True,
                breaks_channel=False,
            )
        self._user = users[0]

    def notify(self, message: Message, *, delivery_id: int | None = None) -> Notification:
        if self._user is None:
            self.prepare(message)
        payload = message.payload or {}
        notification, _ = Notification.objects.get_or_create(
            key=message.key,
            defaults={
                "user": self._user,
                "delivery_id": delivery_id,
                "kind": payload.get("kind") or Notification.Kind.TEST,
                "title": (message.subject or message.text)[:200],
                "body": message.text[:4000],
                "link": str(payload.get("link") or "")[:500],
                "created_at": clock.now(),
            },
        )
        return notification
