"""A person's own Apprise URL (their ntfy topic, their Telegram chat...): a channel that only
they own and only their reminders go through, when they pick it on "My reminders". The URL is
checked as an admin's would be (an HTTP service Apprise knows), stored encrypted, never shown
back; sends to it pass the same address policy as every channel's."""

from __future__ import annotations

from django.db import transaction

from portal.notifications.channels.apprise_transport import service_for
from portal.notifications.models import Channel, ChannelPreference
from portal.notifications.services.preferences import APPRISE, personal_channel_of


def personal_channel_save(*, user, url: str) -> Channel:
    """Raises AppriseURLError for a URL the portal cannot send to; a new URL clears the broken
    mark."""
    url = url.strip()
    service_for(url)
    channel = personal_channel_of(user)
    if channel is None:
        name = f"Personal Apprise of {user.get_username()} ({user.pk})"[:100]
        channel = Channel(owner=user, kind=Channel.Kind.APPRISE, name=name)
    channel.config = {"url": url}
    channel.enabled = True
    channel.broken_at, channel.broken_reason = None, ""
    channel.save()
    return channel


def personal_channel_remove(*, user) -> None:
    with transaction.atomic():
        Channel.objects.filter(owner=user, kind=Channel.Kind.APPRISE).delete()
        for preference in ChannelPreference.objects.filter(user=user):
            if APPRISE in preference.channels:
                preference.channels = [c for c in preference.channels if c != APPRISE]
                preference.save(update_fields=["channels", "updated_at"])
