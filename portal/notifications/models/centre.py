from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A reminder in a person's notification centre: written by the "in the portal" channel in
    the same transaction that marks its delivery sent, so it exists exactly once per delivery
    (``key`` is the delivery's idempotency key)."""

    class Kind(models.TextChoices):
        BEFORE_DUE = "before_due", _("before due")
        OVERDUE = "overdue", _("overdue")
        ESCALATION = "escalation", _("escalation")
        DIGEST = "digest", _("digest")
        TEST = "test", _("test")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_notifications"
    )
    key = models.CharField(max_length=64, unique=True)
    delivery = models.ForeignKey(
        "notifications.Delivery", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OVERDUE)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)  # a path in the portal
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
