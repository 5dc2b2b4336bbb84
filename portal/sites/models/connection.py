from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.sites.crypto import EncryptedJSONField, EncryptedTextField


class Connection(models.Model):
    """A portal user's own OAuth connection to a site, with the site user id it belongs to."""

    class Status(models.TextChoices):
        CONNECTED = "connected", _("connected")
        RECONNECT = "reconnect", _("reconnect needed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connections"
    )
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="connections")
    # The Frappe user id the site reports for the token: usually an email, not always
    # ("Administrator"); "assigned to me" matches on it (recordings 236-238).
    site_user_id = models.CharField(max_length=140)
    token = EncryptedJSONField(null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    # None until a probe or a refused write tells; False shows tasks read-only.
    can_write = models.BooleanField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], name="one_connection_per_user_site")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.site} as {self.site_user_id}"

    @property
    def needs_reconnect(self) -> bool:
        return self.status == self.Status.RECONNECT or not self.token


class ServiceCredential(models.Model):
    """What scheduled jobs use on a site: an API key, or an OAuth connection an admin picked.

    OAuth client_credentials is refused by Frappe (recording 125), so a job needs one of these.
    """

    class Kind(models.TextChoices):
        API_KEY = "api_key", _("API key and secret")
        CONNECTION = "connection", _("an OAuth connection")
        # A personal access token (Django-CRM ``bcrm_pat_…``), kept in ``api_secret``.
        TOKEN = "token", _("a personal access token")

    site = models.OneToOneField(
        "sites.Site", on_delete=models.CASCADE, related_name="service_credential"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    api_key = models.CharField(max_length=140, blank=True)
    api_secret = EncryptedTextField(blank=True, default="")
    connection = models.ForeignKey(
        Connection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    site_user_id = models.CharField(max_length=140, blank=True)
    # Listing tasks through the generic REST API needs a CRM role (recording 078).
    has_crm_role = models.BooleanField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.site}"
