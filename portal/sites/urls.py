from django.urls import path

from portal.sites.views import audit, connect, people, sites

app_name = "sites"

urlpatterns = [
    path("", sites.site_list, name="list"),
    path("add/", sites.site_add, name="add"),
    path("oauth/callback/", connect.oauth_callback, name="oauth_callback"),
    path("<int:site_id>/", sites.site_detail, name="detail"),
    path("<int:site_id>/edit/", sites.site_edit, name="edit"),
    path("<int:site_id>/toggle/", sites.site_toggle, name="toggle"),
    path("<int:site_id>/remove/", sites.site_delete, name="remove"),
    path("<int:site_id>/doctor/", sites.site_doctor_run, name="doctor"),
    path("<int:site_id>/health/", sites.site_health_check, name="health"),
    path("<int:site_id>/service-credential/", sites.service_credential_edit, name="credential"),
    path("<int:site_id>/connect/", connect.connect, name="connect"),
    path("<int:site_id>/disconnect/", connect.disconnect, name="disconnect"),
    path("people/", people.people, name="people"),
    path("people/add/", people.user_add, name="user_add"),
    path("people/<int:user_id>/", people.user_edit, name="user_edit"),
    path("groups/add/", people.group_edit, name="group_add"),
    path("groups/<int:group_id>/", people.group_edit, name="group_edit"),
    path("teams/add/", people.team_edit, name="team_add"),
    path("teams/<int:team_id>/", people.team_edit, name="team_edit"),
    path("teams/<int:team_id>/remove/", people.team_delete, name="team_remove"),
    path("audit/", audit.audit_log, name="audit"),
]
