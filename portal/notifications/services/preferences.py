"""Which channels reach a person for each kind of reminder, as the person chose on "My
reminders"; the planner asks ``PersonChannels.channels_for`` for every person it reminds.

Kinds: before due, overdue (one message per task), escalation, digest (a rule's one message per
person per run). Channel families a person can pick: email, a Slack bot's direct message, the
portal's notification centre, and their own Apprise URL once they set one. Without a choice,
today's behaviour stands (the rule's own channel for people) plus the notification centre for
anyone with a portal account (``NOTIFY_CENTRE_BY_DEFAULT``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.notifications.models import Channel, ChannelPreference

BEFORE_DUE, OVERDUE, ESCALATION, DIGEST = "before_due", "overdue", "escalation", "digest"
KINDS = [
    (BEFORE_DUE, _("Before a task is due")),
    (OVERDUE, _("Overdue, one message per task")),
    (ESCALATION, _("Escalations of my team's tasks")),
    (DIGEST, _("Digest of my overdue tasks")),
]
EMAIL, SLACK, PORTAL, APPRISE = "email", "slack", "portal", "apprise"
FAMILY_LABELS = {
    EMAIL: _("Email"),
    SLACK: _("Slack message"),
    PORTAL: _("In the portal"),
    APPRISE: _("My own Apprise URL"),
}


def family_of(channel: Channel) -> str | None:
    if channel.kind == Channel.Kind.EMAIL:
        return EMAIL
    if channel.kind == Channel.Kind.PORTAL:
        return PORTAL
    if channel.kind == Channel.Kind.SLACK and (channel.config or {}).get("mode") == "bot":
        return SLACK
    return None


def _first_enabled(kind: str, *, bot: bool = False) -> Channel | None:
    for channel in Channel.objects.filter(kind=kind, enabled=True, owner=None).order_by("pk"):
        if not bot or (channel.config or {}).get("mode") == "bot":
            return channel
    return None


def personal_channel_of(user) -> Channel | None:
    return Channel.objects.filter(owner=user, kind=Channel.Kind.APPRISE).first()


def families_available(*, user) -> list[str]:
    """The families this person may choose from (a Slack bot only when one is set up, their own
    Apprise URL once they set it)."""
    found = [EMAIL]
    if _first_enabled(Channel.Kind.SLACK, bot=True) is not None:
        found.append(SLACK)
    found.append(PORTAL)
    personal = personal_channel_of(user)
    if personal is not None and personal.enabled:
        found.append(APPRISE)
    return found


class PersonChannels:
    """Everyone's choices and the channels behind each family, loaded once per plan."""

    def __init__(self) -> None:
        users = get_user_model().objects.filter(is_active=True).exclude(email="")
        self.portal_people = {email.lower() for email in users.values_list("email", flat=True)}
        self.choices: dict[str, dict[str, list[str]]] = {}
        rows = ChannelPreference.objects.filter(user__is_active=True).exclude(user__email="")
        for email, kind, channels in rows.values_list("user__email", "kind", "channels"):
            self.choices.setdefault(email.lower(), {})[kind] = list(channels)
        personal = Channel.objects.filter(
            kind=Channel.Kind.APPRISE, enabled=True, owner__is_active=True
        ).select_related("owner")
        self.personal = {c.owner.email.lower(): c for c in personal if c.owner.email}
        # Read only (a dry run writes nothing): the centre's channel is made by a migration.
        self.families: dict[str, Channel | None] = {
            EMAIL: _first_enabled(Channel.Kind.EMAIL),
            SLACK: _first_enabled(Channel.Kind.SLACK, bot=True),
            PORTAL: _first_enabled(Channel.Kind.PORTAL),
        }

    def channels_for(self, *, address: str, kind: str, default: Channel | None) -> list[Channel]:
        """The channels a reminder of ``kind`` to ``address`` goes through; ``default`` is the
        rule's channel for people (None when it cannot reach anyone)."""
        address = address.lower()
        chosen = self.choices.get(address, {}).get(kind)
        if chosen is None:
            wanted = [default]
            if settings.NOTIFY_CENTRE_BY_DEFAULT:
                wanted.append(self.families[PORTAL])
        else:
            wanted = [
                default if default is not None and family_of(default) == family
                else self.personal.get(address) if family == APPRISE
                else self.families.get(family)
                for family in chosen
            ]  # fmt: skip
        channels: list[Channel] = []
        for channel in wanted:
            if channel is None or channel in channels:
                continue
            if channel.kind == Channel.Kind.PORTAL and address not in self.portal_people:
                continue  # the centre reaches portal accounts only
            channels.append(channel)
        return channels

    def wants(self, *, address: str, kind: str, channel: Channel, default: Channel | None) -> bool:
        """Whether a reminder of ``kind`` to ``address`` goes through ``channel``."""
        return channel in self.channels_for(address=address, kind=kind, default=default)


def preferences_for(*, user) -> dict[str, list[str]]:
    """The person's choice per kind; kinds without a row get the default families."""
    stored = dict(ChannelPreference.objects.filter(user=user).values_list("kind", "channels"))
    default = [EMAIL, PORTAL]
    return {kind: list(stored.get(kind, default)) for kind, _label in KINDS}


def preferences_save(*, user, choices: dict[str, list[str]]) -> None:
    known = {kind for kind, _label in KINDS}
    families = set(FAMILY_LABELS)
    with transaction.atomic():
        for kind, channels in choices.items():
            if kind not in known:
                continue
            ChannelPreference.objects.update_or_create(
                user=user, kind=kind,
                defaults={"channels": [c for c in FAMILY_LABELS if c in set(channels) & families]},
            )  # fmt: skip
