from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.sites.crypto import EncryptedJSONField, EncryptedTextField


class Site(models.Model):
    """A CRM site the portal talks to, registered by an admin: its backend kind (which CRM),
    where it is, and that backend's own settings and secrets (a Frappe site's OAuth client, a
    Django-CRM site's organisation)."""

    class Backend(models.TextChoices):
        FRAPPE = "frappe", _("Frappe CRM")
        DJANGOCRM = "djangocrm", _("Django-CRM")
        ESPOCRM = "espocrm", _("EspoCRM")

    class Flavour(models.TextChoices):
        DEPLOYED = "deployed", _("CRM with mobile API (deployed)")
        DOCUMENTED = "documented", _("CRM with mobile API (documented v2.0)")
        PLAIN = "plain", _("Frappe CRM without mobile API")

    name = models.CharField(_("name"), max_length=100, unique=True)
    backend = models.CharField(
        _("CRM"), max_length=20, choices=Backend.choices, default=Backend.FRAPPE
    )
    base_url = models.URLField(_("base URL"))
    # One Django-CRM address can hold many organisations: a site is the address plus one.
    organisation = models.CharField(_("organisation"), max_length=64, blank=True)
    # Frappe: the site's OAuth client. Other backends leave it empty.
    client_id = models.CharField(_("OAuth client ID"), max_length=140, blank=True)
    # Frappe does not check the client secret on get_token (contract/README.md);
    # kept, encrypted, only for sites whose admins insist on confidential clients.
    client_secret = EncryptedTextField(_("OAuth client secret"), blank=True, default="")
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("The site's own zone; read from the site when the credential allows it."),
    )
    tags = models.CharField(_("tags"), max_length=200, blank=True, help_text=_("Comma-separated."))
    is_active = models.BooleanField(_("active"), default=True)

    # What the last probe found (portal.sites.services.doctor).
    flavour = models.CharField(max_length=20, choices=Flavour.choices, blank=True)
    capabilities = models.JSONField(default=dict, blank=True)
    probed_at = models.DateTimeField(null=True, blank=True)

    # Secret of the site's outbound Frappe Webhook (X-Frappe-Webhook-Signature).
    webhook_secret = EncryptedTextField(blank=True, default="")
    # A backend's further settings and secrets, encrypted as a whole.
    config = EncryptedJSONField(null=True, blank=True)

    # Health, refreshed by a periodic job and on demand.
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_webhook_at = models.DateTimeField(null=True, blank=True)
    health_checked_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["base_url", "organisation"], name="one_site_per_address_and_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]

    @property
    def vocabulary(self) -> dict:
        return self.capabilities.get("vocabulary") or {}

    @staticmethod
    def redirect_uri() -> str:
        """The one callback every site's OAuth Client must list, byte for byte: Frappe
        compares redirect URIs exactly (recording 154)."""
        return settings.PORTAL_BASE_URL + reverse("sites:oauth_callback")
