from django.apps import AppConfig


class SitesConfig(AppConfig):
    """Frappe sites, connections and credentials, access grants, audit, and the one client
    that knows Frappe's API. Imports no other portal app."""

    name = "portal.sites"
    label = "sites"
    default_auto_field = "django.db.models.BigAutoField"
