from django.urls import path

from portal.notifications.views import (
    acknowledge,
    actions,
    admin_pages,
    centre,
    channels,
    deliveries,
    inbound,
    me,
    preferences,
    rules,
)

app_name = "notifications"

urlpatterns = [
    path("", admin_pages.overview, name="overview"),
    path("scan/", admin_pages.scan_now, name="scan_now"),
    path("me/", me.my_reminders, name="me"),
    path("me/channels/", preferences.my_channels, name="my_channels"),
    path("me/apprise/", preferences.my_apprise, name="my_apprise"),
    path("me/apprise/test/", preferences.my_apprise_test, name="my_apprise_test"),
    path("centre/", centre.centre, name="centre"),
    path("centre/count/", centre.centre_count, name="centre_count"),
    path("centre/<int:notification_id>/read/", centre.centre_read, name="centre_read"),
    path("centre/read-all/", centre.centre_read_all, name="centre_read_all"),
    path("opt-outs/", admin_pages.opt_outs, name="opt_outs"),
    path("rules/", rules.rule_list, name="rules"),
    path("rules/add/", rules.rule_edit, name="rule_add"),
    path("rules/<int:rule_id>/", rules.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/remove/", rules.rule_delete, name="rule_remove"),
    path("channels/", channels.channel_list, name="channels"),
    path("channels/add/", channels.channel_edit, name="channel_add"),
    path("channels/<int:channel_id>/", channels.channel_edit, name="channel_edit"),
    path("channels/<int:channel_id>/test/", channels.channel_test_view, name="channel_test"),
    path("channels/<int:channel_id>/remove/", channels.channel_delete, name="channel_remove"),
    path("deliveries/", deliveries.delivery_log, name="deliveries"),
    path("deliveries/<int:delivery_id>/", deliveries.delivery_detail, name="delivery"),
    path("deliveries/<int:delivery_id>/replay/", deliveries.delivery_replay_view, name="replay"),
    path("tasks/<int:site_id>/<task:task_id>/", deliveries.task_history, name="task_history"),
    path(
        "tasks/<int:site_id>/<task:task_id>/acknowledge/",
        acknowledge.task_acknowledge_view,
        name="task_acknowledge",
    ),
    path("sites/<int:site_id>/webhook/", inbound.webhook_setup, name="webhook_setup"),
    # Public endpoints: their credential is a signature (ours, Frappe's or Slack's).
    path("act/<str:token>/", actions.act, name="act"),
    path("unsubscribe/<str:token>/", actions.unsubscribe, name="unsubscribe"),
    path("webhooks/<int:site_id>/", inbound.site_webhook, name="site_webhook"),
    path("slack/<int:channel_id>/actions/", inbound.slack_actions, name="slack_actions"),
]
