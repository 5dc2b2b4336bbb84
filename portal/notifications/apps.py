from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Overdue scans, reminder rules, the delivery ledger and its channels."""

    name = "portal.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"
