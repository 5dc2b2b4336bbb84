from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from portal.ops.metrics_view import metrics_view
from portal.ops.views import healthz
from portal.sites.views.language import language_switch
from portal.sites.views.login import LoginView
from portal.task_ids import TaskIdConverter

register_converter(TaskIdConverter, "task")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/language/", language_switch, name="language"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("sites/", include("portal.sites.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("reports/", include("portal.reports.urls")),
    path("api/", include("portal.api.urls")),
    path("ops/", include("portal.ops.urls")),
    path("live/", include("portal.live.urls")),
    path("", include("portal.tasks_ui.urls")),
]

# The portal's own error pages, with its navigation (portal/errors.py).
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
