from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The portal's REST API (``/api/v1/``) and the personal access tokens that call it."""

    name = "portal.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"
