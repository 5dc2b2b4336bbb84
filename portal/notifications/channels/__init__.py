"""Channels: one small transport class per kind, ``Transport(channel).notify(message)``.

A transport returns nothing on success and raises ``TransportError`` on failure; bookkeeping (the
delivery row, retries, marking a channel broken) is the ledger's, not the transport's. The registry
is a plain dict from kind to dotted path, imported on first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from portal.notifications.models import Channel

TRANSPORTS = {
    "email": "portal.notifications.channels.email.EmailTransport",
    "slack": "portal.notifications.channels.slack.SlackTransport",
    "webhook": "portal.notifications.channels.webhook.WebhookTransport",
    "apprise": "portal.notifications.channels.apprise_transport.AppriseTransport",
    "portal": "portal.notifications.channels.in_portal.PortalTransport",
}


class TransportError(Exception):
    """A send failed.

    ``permanent``: the same send cannot succeed later (bad address, revoked token, 404).
    ``breaks_channel``: the channel itself is wrong (defaults to ``permanent``); a refused
    recipient is permanent for that delivery but leaves the channel working.
    ``retry_after``: seconds the receiver asked us to wait (429 Retry-After).
    ``maybe_delivered``: the whole message or request went out and its answer was lost (a
    timeout waiting for it, a reset or close before it): the receiver may have acted on it, so
    the ledger books "outcome unknown" and never retries by itself. Failures before anything
    could be taken (refused, DNS, connect timeout, TLS, SMTP refusing MAIL or RCPT) leave it
    False and are retried.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        breaks_channel: bool | None = None,
        retry_after: float | None = None,
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message[:2000]
        self.permanent = permanent
        self.breaks_channel = permanent if breaks_channel is None else breaks_channel
        self.retry_after = retry_after
        self.maybe_delivered = maybe_delivered


@dataclass
class Message:
    """What a transport sends, already rendered in the recipient's language and zone."""

    key: str  # the delivery's idempotency key
    recipient: str = ""  # an email address; "" for the channel's own destination
    recipient_name: str = ""
    language: str = "en"
    subject: str = ""
    text: str = ""
    html: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class Transport:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.config: dict[str, Any] = dict(channel.config or {})

    def prepare(self, message: Message) -> None:
        """Look-ups that send nothing (a Slack user by email): safe to repeat, so a worker
        killed here loses nothing. Runs before the ledger marks the delivery "sending"."""

    def notify(self, message: Message) -> None:
        raise NotImplementedError


def transport_for(channel: Channel) -> Transport:
    try:
        path = TRANSPORTS[channel.kind]
    except KeyError:
        raise TransportError(f"Unknown channel kind {channel.kind!r}.", permanent=True) from None
    return import_string(path)(channel)
