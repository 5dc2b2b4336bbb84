"""Personal access tokens: a person's own key to the API, with its scope, expiry and sites.

The token itself is shown once, when it is made; the portal keeps only its SHA-256 (the secret
has 256 random bits, so a fast hash is enough: nothing to guess from it) and a short visible
prefix, to find the row and to let people tell their tokens apart.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal import clock


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("read")
        WRITE = "write", _("read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)  # "ptk_" and 8 hex digits, shown
    digest = models.CharField(max_length=64)  # sha256 hex of the whole token
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    # Empty: every site the person may see. Otherwise only these (and only while granted).
    sites = models.ManyToManyField("sites.Site", blank=True, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name})"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= clock.now()

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and not self.expired
