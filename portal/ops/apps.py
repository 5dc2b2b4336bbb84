from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: heartbeat, /healthz, the development stack runner and demo data."""

    name = "portal.ops"
    label = "ops"
    default_auto_field = "django.db.models.BigAutoField"
