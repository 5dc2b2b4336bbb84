from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One portal write (or connection change): who, where, what changed, with which credential.

    Names are copied as text so the record survives deleted users and sites.
    """

    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    username = models.CharField(max_length=150, blank=True)
    site = models.ForeignKey("sites.Site", on_delete=models.SET_NULL, null=True, blank=True)
    site_name = models.CharField(max_length=100, blank=True)
    task_id = models.CharField(max_length=40, blank=True, db_index=True)
    action = models.CharField(max_length=40, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    credential = models.CharField(max_length=200, blank=True)
    ok = models.BooleanField(default=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["site", "task_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.site_name}"
