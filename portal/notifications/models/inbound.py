from django.db import models


class InboundWebhook(models.Model):
    """A webhook delivery a Frappe site sent us, kept to drop repeats: Frappe retries, and sends
    no delivery id, so a repeat is the same site, document, event and body
    (contract/README.md, "Webhooks")."""

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    task_id = models.CharField(max_length=64)
    event = models.CharField(max_length=40, blank=True)
    digest = models.CharField(max_length=64)  # sha256 of the raw body
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "task_id", "event", "digest"], name="one_inbound_delivery"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.task_id} {self.event}"


class TaskTransition(models.Model):
    """A task status the portal observed, and when: from inbound webhooks and from actions taken
    from reminders. The reports' completion and on-time rates read these (a precise moment,
    where a poll knows only `modified`)."""

    class Source(models.TextChoices):
        WEBHOOK = "webhook", "webhook"
        ACTION = "action", "reminder action"

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    task_id = models.CharField(max_length=64)
    status = models.CharField(max_length=60)  # the site's value
    portal_status = models.CharField(max_length=20)  # open, in_progress, done, cancelled
    at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["site", "task_id", "at"])]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.task_id} → {self.status} at {self.at:%Y-%m-%d %H:%M}"
