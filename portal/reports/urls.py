from django.urls import path

from portal.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report, name="report"),
    path("completed/", views.completed, name="completed"),
    path("export/<slug:table>.csv", views.export, name="export"),
    path("snapshot/", views.snapshot_now, name="snapshot"),
]
