from django.conf import settings
from django.db import models


class ChannelPreference(models.Model):
    """Which channels reach a person for one kind of reminder (before due, overdue, escalation,
    digest). No row: the default (the rule's channel and the notification centre). ``channels``
    lists channel families: "email", "slack" (a Slack bot's direct message), "portal"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences"
    )
    kind = models.CharField(max_length=12)
    channels = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {', '.join(self.channels) or '-'}"
