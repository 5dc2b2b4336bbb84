from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.sites.crypto import EncryptedJSONField


class Channel(models.Model):
    """Where reminders go: the SMTP server, a Slack app or incoming webhook, a signed webhook,
    a service reached through an Apprise URL, or the portal's own notification centre.

    Everything secret about a channel (Slack token and signing secret, webhook URLs, which embed
    a credential for Slack, and HMAC secrets) lives in ``config``, encrypted at rest.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        SLACK = "slack", _("Slack")
        WEBHOOK = "webhook", _("Webhook")
        APPRISE = "apprise", _("Apprise (Teams, Telegram, Discord, ntfy...)")
        PORTAL = "portal", _("In the portal")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    # email: {"from_email"}; slack: {"mode": "webhook"|"bot", "url", "token", "channel",
    # "signing_secret"}; webhook: {"url", "secret"}; apprise: {"url"} (it embeds the service's
    # credentials); portal: {}.
    config = EncryptedJSONField(default=dict, blank=True)
    # A person's own Apprise URL (their ntfy topic, their Telegram chat): reaches that person
    # only, when they pick it on "My reminders"; never a rule's broadcast channel.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="personal_channels",
    )  # fmt: skip

    # Set by a permanent failure (revoked token, 404 webhook...); cleared by a successful send
    # or test. Deliveries to a broken channel fail at once and wait for a replay.
    broken_at = models.DateTimeField(null=True, blank=True)
    broken_reason = models.TextField(blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_broken(self) -> bool:
        return self.broken_at is not None

    @property
    def reaches_people(self) -> bool:
        """Email, the portal's notification centre, or a Slack bot (which finds a person by
        email); not webhooks nor Apprise URLs (each is one destination)."""
        if self.kind in (self.Kind.EMAIL, self.Kind.PORTAL):
            return True
        return self.kind == self.Kind.SLACK and (self.config or {}).get("mode") == "bot"
