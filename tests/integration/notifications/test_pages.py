"""The admin pages: rules and channels edited through their forms, "Send test" showing the exact
error, the delivery log with filters and Replay, a task's reminder history; admins only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from portal.notifications.models import Channel, Delivery, DeliveryItem, OptOut, Rule
from portal.notifications.selectors import reminder_history_for_task
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.notifications.services.send import delivery_send
from portal.sites.models import Profile, Site
from tests.integration.notifications.conftest import T0, make_rule
from tests.integration.notifications.servers import Reply, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, db):
    user = User.objects.create_user("ada", email="ada@portal.test", password="x-Very-Long-Pass-1")
    Profile.objects.create(user=user, role=Profile.Role.ADMIN)
    client.force_login(user)
    return user


@pytest.fixture
def member(db):
    user = User.objects.create_user("mona", password="x-Very-Long-Pass-1")
    Profile.objects.create(user=user, role=Profile.Role.MEMBER)
    return user


def test_members_cannot_open_any_admin_page(client, member):
    client.force_login(member)
    for url in ("/notifications/", "/notifications/rules/", "/notifications/rules/add/",
                "/notifications/channels/", "/notifications/deliveries/",
                "/notifications/opt-outs/", "/notifications/tasks/1/1/"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert client.post("/notifications/scan/").status_code == 403


def test_an_admin_adds_a_rule_through_the_form(client, admin):
    site = Site.objects.create(name="Riyadh", base_url="http://127.0.0.1:9/", client_id="c")
    response = client.post("/notifications/rules/add/", {
        "name": "Sales overdue", "enabled": "on", "sites": [site.pk], "buckets": "both",
        "assignees": "on", "first_after_minutes": 30, "repeat_every_hours": 12,
        "max_repeats": 3, "escalate_after_hours": 48, "quiet_start": "21:00",
        "quiet_end": "07:30", "time_zone": "Asia/Riyadh", "language": "ar", "shape": "digest",
        "priorities_text": "High, Medium", "task_types_text": "call",
        "fixed_addresses_text": "Boss@Portal.test\nops@portal.test، lead@portal.test",
        "working_days": ["6", "0"],
    })  # fmt: skip
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert rule.priorities == ["High", "Medium"] and rule.task_types == ["call"]
    # One per line, or separated by commas: an Arabic keyboard types "،".
    assert rule.fixed_addresses == ["boss@portal.test", "ops@portal.test", "lead@portal.test"]
    assert rule.working_days == [0, 6] and list(rule.sites.all()) == [site]
    assert str(rule.quiet_start) == "21:00:00"
    page = client.get("/notifications/rules/")
    assert b"Sales overdue" in page.content


def test_the_rule_form_refuses_half_quiet_hours_and_unknown_zones(client, admin):
    response = client.post("/notifications/rules/add/", {
        "name": "x", "buckets": "overdue", "first_after_minutes": 0, "repeat_every_hours": 1,
        "max_repeats": 1, "escalate_after_hours": 0, "quiet_start": "21:00",
        "time_zone": "Mars/Olympus", "language": "en", "shape": "digest",
    })  # fmt: skip
    assert response.status_code == 200
    assert b"Unknown time zone" in response.content and b"both ends" in response.content


def test_channel_secrets_are_write_only_and_kept_when_left_blank(client, admin):
    client.post("/notifications/channels/add/", {
        "name": "Slack", "kind": "slack", "enabled": "on", "slack_mode": "bot",
        "slack_token": "xoxb-secret-token", "slack_channel": "#sales",
        "slack_signing_secret": "sign-me",
    })  # fmt: skip
    channel = Channel.objects.get(name="Slack")
    assert channel.config["token"] == "xoxb-secret-token"
    page = client.get(f"/notifications/channels/{channel.pk}/")
    assert b"xoxb-secret-token" not in page.content and b"sign-me" not in page.content
    assert b"/notifications/slack/" in page.content  # the interactivity URL to paste in Slack
    client.post(f"/notifications/channels/{channel.pk}/", {
        "name": "Slack", "kind": "slack", "enabled": "on", "slack_mode": "bot",
        "slack_channel": "#ops",
    })  # fmt: skip
    channel.refresh_from_db()
    assert channel.config == {"mode": "bot", "channel": "#ops", "token": "xoxb-secret-token",
                              "signing_secret": "sign-me"}  # fmt: skip


def test_send_test_shows_success_or_the_exact_error(client, admin, receiver):
    channel = Channel.objects.create(name="Hook", kind="webhook",
                                     config={"url": receiver.url + "/hook"})  # fmt: skip
    ok = client.post(f"/notifications/channels/{channel.pk}/test/")
    assert b"Sent. Check that it arrived." in ok.content
    receiver.script("/hook", Reply(410, "endpoint retired"))
    failed = client.post(
        f"/notifications/channels/{channel.pk}/test/", headers={"HX-Request": "true"}
    )
    assert b"Failed:" in failed.content and b"HTTP 410: endpoint retired" in failed.content
    assert b"<form" not in failed.content  # htmx gets only the result region

    dead = Channel.objects.create(name="Dead", kind="webhook",
                                  config={"url": f"http://127.0.0.1:{free_port()}/"})  # fmt: skip
    response = client.post(f"/notifications/channels/{dead.pk}/test/")
    assert b"could not connect (connection refused)" in response.content


def test_the_delivery_log_filters_shows_errors_and_replays(
    client, admin, tasks, sites, email_channel, receiver
):
    hook = Channel.objects.create(name="Hook", kind="webhook",
                                  config={"url": receiver.url + "/hook"})  # fmt: skip
    make_rule(assignees=False, broadcast_channels=[hook], fixed_addresses=["a@portal.test"])
    task_id = tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1))
    scan_run_inline(run=scan_run_start(trigger="test"))
    receiver.script("/hook", Reply(404, "gone"))
    failed = Delivery.objects.get(channel=hook)
    delivery_send(delivery_id=failed.pk)

    page = client.get("/notifications/deliveries/", {"status": "failed"})
    assert b"HTTP 404: gone" in page.content and b"Replay" in page.content
    assert b"a@portal.test" not in page.content
    by_channel = client.get("/notifications/deliveries/", {"channel": email_channel.pk})
    assert b"a@portal.test" in by_channel.content and b"HTTP 404" not in by_channel.content
    by_site = client.get("/notifications/deliveries/", {"site": sites["cairo"].pk})
    assert b"a@portal.test" not in by_site.content

    Channel.objects.filter(pk=hook.pk).update(broken_at=None)  # fixed by the admin
    response = client.post(f"/notifications/deliveries/{failed.pk}/replay/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "pending" and failed.replays == 1
    assert delivery_send(delivery_id=failed.pk) == "sent"
    assert {r.headers["Idempotency-Key"] for r in receiver.to("/hook")} == {failed.key}

    history = reminder_history_for_task(site_id=sites["riyadh"].pk, task_id=task_id)
    assert [(h.channel, h.step, h.status) for h in history] in (
        [("Hook", "first", "sent"), ("Email", "first", "pending")],
        [("Email", "first", "pending"), ("Hook", "first", "sent")],
    )
    page = client.get(f"/notifications/tasks/{sites['riyadh'].pk}/{task_id}/")
    assert page.status_code == 200 and b"Hook" in page.content


def test_the_overview_shows_failing_sites_and_broken_channels(client, admin, db):
    from portal.notifications.models import ScanRun, SiteScan

    site = Site.objects.create(name="Down", base_url="http://127.0.0.1:9/", client_id="c")
    run = ScanRun.objects.create(started_at=T0, now=T0, deadline=T0, sites_total=1, sites_done=1)
    SiteScan.objects.create(run=run, site=site, status="failed", error="Could not connect.")
    Channel.objects.create(name="Slack", kind="slack", broken_at=T0, broken_reason="token_revoked")
    page = client.get("/notifications/")
    assert b"Could not connect." in page.content and b"token_revoked" in page.content


def test_admins_manage_opt_outs(client, admin):
    client.post("/notifications/opt-outs/", {"address": "Someone@Portal.test"})
    assert OptOut.objects.get().address == "someone@portal.test"
    client.post("/notifications/opt-outs/", {"remove": "someone@portal.test"})
    assert not OptOut.objects.exists()


def test_the_webhook_setup_page_shows_the_url_and_a_new_secret_once(client, admin):
    site = Site.objects.create(name="Riyadh", base_url="http://127.0.0.1:9/", client_id="c")
    page = client.get(f"/notifications/sites/{site.pk}/webhook/")
    assert f"/notifications/webhooks/{site.pk}/".encode() in page.content
    response = client.post(f"/notifications/sites/{site.pk}/webhook/")
    site.refresh_from_db()
    assert site.webhook_secret and site.webhook_secret.encode() in response.content
    assert (
        site.webhook_secret.encode()
        not in client.get(f"/notifications/sites/{site.pk}/webhook/").content
    )


def test_history_selector_is_empty_for_a_task_never_reminded(db):
    assert reminder_history_for_task(site_id=1, task_id=1) == []
    assert DeliveryItem.objects.count() == 0


def test_an_arabic_admin_reads_the_ledger_in_arabic(client, admin, tasks, sites, email_channel):
    make_rule(assignees=False, fixed_addresses=["a@portal.test"])
    for days in (1, 2, 3):
        tasks.add("riyadh", title=f"overdue {days}", due=T0 - timedelta(days=days))
    scan_run_inline(run=scan_run_start(trigger="test"))
    delivery = Delivery.objects.get()
    assert delivery.summary == "3 tasks"  # the ledger keeps its own words
    client.cookies["django_language"] = "ar"
    overview = client.get("/notifications/").content.decode()
    assert "قيد الانتظار: 1" in overview  # "pending: 1"
    log = client.get("/notifications/deliveries/").content.decode()
    assert "<td>3 مهام</td>" in log
    detail = client.get(f"/notifications/deliveries/{delivery.pk}/").content.decode()
    assert "<td>التذكير الأول</td>" in detail
    rule = client.get(f"/notifications/rules/{delivery.rule_id}/").content.decode()
    assert "أي المهام" in rule and "الرسائل" in rule


def test_arabic_pages_write_dates_the_arabic_way(client, admin, tasks, sites, email_channel):
    make_rule(assignees=False, fixed_addresses=["a@portal.test"])
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1))
    scan_run_inline(run=scan_run_start(trigger="test"))
    client.cookies["django_language"] = "ar"
    log = client.get("/notifications/deliveries/").content.decode()
    # Django has no Arabic DATETIME_FORMAT: without ours this read "نوفمبر 23, 2026, …".
    assert re.search(r"\d{1,2} (نوفمبر|ديسمبر) 2026، \d{1,2}:\d{2} [صم]", log), log[-3000:]
