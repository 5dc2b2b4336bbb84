from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: heartbeat, /healthz, /metrics, request ids and log format, the development
    stack runner and demo data."""

    name = "portal.ops"
    label = "ops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Before django-prometheus' middleware makes its counters: in multiprocess mode they
        # must get the portal's process identifier too (portal/metrics.py).
        import portal.metrics  # noqa: F401
