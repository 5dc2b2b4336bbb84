from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Team-lead reporting across sites: daily snapshots, completions, charts, CSV, digests."""

    name = "portal.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"
