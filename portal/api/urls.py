"""``/api/v1/``: the REST API and its schema; ``/api/tokens/``: a person's tokens."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.api.views import base, bulk, deliveries, lists, reports, sites, tasks, tokens

app_name = "api"

v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("inbox/", lists.Inbox.as_view(), name="inbox"),
    path("tasks/", tasks.TaskList.as_view(), name="tasks"),
    path("tasks/bulk/", bulk.BulkStart.as_view(), name="bulk"),
    path("tasks/bulk/<str:job_id>/", bulk.BulkJobDetail.as_view(), name="bulk_job"),
    path("tasks/<int:site_id>/<task:task_id>/", tasks.TaskDetail.as_view(), name="task"),
    path(
        "tasks/<int:site_id>/<task:task_id>/status/",
        tasks.TaskStatus.as_view(),
        name="task_status",
    ),
    path("sites/", sites.SiteList.as_view(), name="sites"),
    path("sites/<int:site_id>/", sites.SiteDetail.as_view(), name="site"),
    path("deliveries/", deliveries.DeliveryList.as_view(), name="deliveries"),
    path("reports/", reports.Report.as_view(), name="report"),
    re_path(r"^.*$", base.NoSuchRoute.as_view(), name="no_such_route"),  # last: what is left
]

urlpatterns = [
    path("v1/", include(v1)),
    path("tokens/", tokens.token_page, name="tokens"),
    path("tokens/<int:token_id>/revoke/", tokens.token_revoke_view, name="token_revoke"),
]
