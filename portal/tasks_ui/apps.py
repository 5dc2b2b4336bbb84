from django.apps import AppConfig


class TasksUiConfig(AppConfig):
    """The htmx task inbox across sites."""

    name = "portal.tasks_ui"
    label = "tasks_ui"
    default_auto_field = "django.db.models.BigAutoField"
