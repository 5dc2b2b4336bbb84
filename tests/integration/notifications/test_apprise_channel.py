"""Apprise channels against real receivers on loopback: Apprise's generic JSON (json://) and
form (form://) targets, an ntfy-style server (ntfy://) and a Mattermost-style incoming webhook
(mmost://), all pointed at a local HTTP server. The same ledger guarantees as email, Slack and
webhooks: one row per delivery, retries with backoff on 5xx and 429 (Retry-After honoured),
4xx such as 401/403/404 permanent and breaking the channel, a lost answer "outcome unknown" and
never sent again by itself, and the URL's credentials in no error, page or log line."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection

from portal.notifications.models import Channel, Delivery
from portal.notifications.services import ledger
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.notifications.services.send import channel_test, delivery_send
from portal.sites.models import Profile
from tests.integration.notifications.conftest import T0, make_rule
from tests.integration.notifications.servers import Reply, free_port

pytestmark = pytest.mark.django_db
SECRET = "s3cr3t-T0ken-9f8e7d"


def apprise_channel(url: str, name: str = "Apprise") -> Channel:
    return Channel.objects.create(name=name, kind=Channel.Kind.APPRISE, config={"url": url})


def hostport(receiver) -> str:
    return receiver.url.split("//", 1)[1]


def planned(tasks, channel: Channel, *, title: str = "Call back the buyer") -> Delivery:
    make_rule(assignees=False, broadcast_channels=[channel])
    tasks.add("riyadh", title=title, due=T0 - timedelta(days=1))
    scan_run_inline(run=scan_run_start(trigger="test"))
    return Delivery.objects.get(channel=channel)


def fresh(row):
    row.refresh_from_db()
    return row


# --- what each target receives -------------------------------------------------------------------


def test_a_json_target_gets_the_reminder_once_and_the_ledger_says_sent(
    tasks, sites, email_channel, receiver
):
    channel = apprise_channel(f"json://{hostport(receiver)}/apprise/json")
    delivery = planned(tasks, channel)

    assert delivery_send(delivery_id=delivery.pk) == "sent"

    [post] = receiver.to("/apprise/json")
    body = post.json
    assert body["title"] == "Overdue: Call back the buyer"
    assert "Call back the buyer (Riyadh)" in body["message"]
    assert f"/tasks/{sites['riyadh'].pk}/" in body["message"]
    assert fresh(delivery).sent_at is not None
    assert fresh(channel).last_success_at is not None
    assert delivery_send(delivery_id=delivery.pk) == "not claimed"
    assert len(receiver.to("/apprise/json")) == 1


def test_a_form_target_gets_title_and_message_fields(tasks, sites, email_channel, receiver):
    channel = apprise_channel(f"form://{hostport(receiver)}/apprise/form")
    delivery = planned(tasks, channel, title="مكالمة العميل")
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    [post] = receiver.to("/apprise/form")
    assert post.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert post.form["title"] == "Overdue: مكالمة العميل"
    assert "مكالمة العميل" in post.form["message"]


def test_an_ntfy_server_gets_the_topic_title_and_message(tasks, sites, email_channel, receiver):
    channel = apprise_channel(f"ntfy://{hostport(receiver)}/reminders")
    delivery = planned(tasks, channel)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    [post] = receiver.to("/")
    assert post.json["topic"] == "reminders"
    assert post.json["title"] == "Overdue: Call back the buyer"


def test_a_mattermost_incoming_webhook_gets_the_text(tasks, sites, email_channel, receiver):
    channel = apprise_channel(f"mmost://{hostport(receiver)}/{SECRET}")
    delivery = planned(tasks, channel)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    [post] = receiver.to(f"/hooks/{SECRET}")
    assert "Call back the buyer" in post.json["text"]


def test_arabic_readers_get_the_reminder_in_arabic(tasks, sites, email_channel, receiver):
    channel = apprise_channel(f"json://{hostport(receiver)}/apprise/json")
    make_rule(assignees=False, broadcast_channels=[channel], language="ar")
    tasks.add("riyadh", title="Call back the buyer", due=T0 - timedelta(days=1))
    scan_run_inline(run=scan_run_start(trigger="test"))
    assert delivery_send(delivery_id=Delivery.objects.get().pk) == "sent"
    [post] = receiver.to("/apprise/json")
    assert post.json["title"] == "متأخرة: Call back the buyer"
    assert "هذه المهام متأخرة:" in post.json["message"]


# --- failures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_refusing_endpoint_is_permanent_and_breaks_the_channel(
    tasks, sites, email_channel, receiver, clocks, status
):
    channel = apprise_channel(f"json://user:{SECRET}@{hostport(receiver)}/apprise/json")
    receiver.script("/apprise/json", Reply(status, f"bad credential {SECRET}"))
    delivery = planned(tasks, channel)

    assert delivery_send(delivery_id=delivery.pk) == "failed"

    error = fresh(delivery).last_error
    assert error == f"JSON (127.0.0.1): HTTP {status}: bad credential [redacted]"
    channel = fresh(channel)
    assert channel.is_broken and SECRET not in channel.broken_reason
    # The next reminder fails at once, without calling the service, and waits for a replay.
    clocks.advance(hours=24)
    scan_run_inline(run=scan_run_start(trigger="test"))
    later = Delivery.objects.exclude(pk=delivery.pk).get()
    assert delivery_send(delivery_id=later.pk) == "failed"
    assert "marked broken" in fresh(later).last_error
    assert len(receiver.to("/apprise/json")) == 1


def test_a_bad_request_fails_that_delivery_but_leaves_the_channel_working(
    tasks, sites, email_channel, receiver
):
    channel = apprise_channel(f"json://{hostport(receiver)}/apprise/json")
    receiver.script("/apprise/json", Reply(400, "message too long"))
    delivery = planned(tasks, channel)
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    assert not fresh(channel).is_broken


def test_server_errors_are_retried_with_backoff_and_the_same_row(
    tasks, sites, email_channel, receiver, clocks
):
    channel = apprise_channel(f"json://{hostport(receiver)}/apprise/json")
    receiver.script("/apprise/json", Reply(500, "oops"), Reply(503, "busy"))
    delivery = planned(tasks, channel)

    assert delivery_send(delivery_id=delivery.pk) == "retry"
    first = fresh(delivery)
    assert first.send_after > clocks.now and first.last_error.endswith("HTTP 500: oops")
    assert delivery_send(delivery_id=delivery.pk) == "not claimed"  # not due yet
    clocks.set(first.send_after)
    assert delivery_send(delivery_id=delivery.pk) == "retry"
    clocks.set(fresh(delivery).send_after)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert len(receiver.to("/apprise/json")) == 3 and fresh(delivery).attempts == 3
    assert Delivery.objects.count() == 1


def test_a_rate_limit_is_honoured_through_retry_after(
    tasks, sites, email_channel, receiver, clocks
):
    channel = apprise_channel(f"ntfy://{hostport(receiver)}/reminders")
    receiver.script("/", Reply(429, "slow down", {"Retry-After": "900"}))
    delivery = planned(tasks, channel)
    assert delivery_send(delivery_id=delivery.pk) == "retry"
    assert fresh(delivery).send_after >= clocks.now + timedelta(seconds=900)


def test_nobody_listening_is_retried(tasks, sites, email_channel, receiver):
    channel = apprise_channel(f"json://127.0.0.1:{free_port()}/apprise/json")
    delivery = planned(tasks, channel)
    assert delivery_send(delivery_id=delivery.pk) == "retry"
    assert fresh(delivery).last_error == "127.0.0.1: could not connect (connection refused)."


def test_an_answer_after_the_timeout_is_outcome_unknown_and_never_sent_again_by_itself(
    tasks, sites, email_channel, receiver, clocks, settings
):
    settings.NOTIFY_HTTP_TIMEOUT = 1  # Apprise's own rto=30 in the URL does not win
    channel = apprise_channel(f"json://{hostport(receiver)}/apprise/json?rto=30")
    receiver.script("/apprise/json", Reply(200, "ok", hang=True))
    delivery = planned(tasks, channel)

    assert delivery_send(delivery_id=delivery.pk) == "unknown"

    assert fresh(delivery).last_error == "127.0.0.1: no answer within 1 s."
    clocks.advance(days=2)
    assert ledger.ledger_sweep() == {"released": 0, "unknown": 0, "enqueued": 0}
    assert delivery_send(delivery_id=delivery.pk) == "not claimed"
    assert fresh(delivery).status == "unknown" and fresh(delivery).replayable
    assert len(receiver.to("/apprise/json")) == 1


def test_a_reset_after_the_request_is_outcome_unknown(tasks, sites, email_channel, receiver):
    channel = apprise_channel(f"json://{hostport(receiver)}/apprise/json")
    receiver.script("/apprise/json", Reply(reset=True))
    delivery = planned(tasks, channel)
    assert delivery_send(delivery_id=delivery.pk) == "unknown"
    assert "connection broke before an answer" in fresh(delivery).last_error


def test_a_failure_after_another_target_took_it_is_outcome_unknown(
    tasks, sites, email_channel, receiver
):
    channel = apprise_channel(f"ntfy://{hostport(receiver)}/one/two")
    receiver.script("/", Reply(200, "ok"), Reply(500, "down"))
    delivery = planned(tasks, channel)
    assert delivery_send(delivery_id=delivery.pk) == "unknown"
    assert "1 of 2 requests were accepted" in fresh(delivery).last_error


def test_the_address_policy_applies_to_apprise_services(
    tasks, sites, email_channel, receiver, settings
):
    settings.NOTIFY_ALLOW_LOOPBACK = False
    channel = apprise_channel(f"json://{hostport(receiver)}/apprise/json")
    delivery = planned(tasks, channel)
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    assert "loopback" in fresh(delivery).last_error
    assert receiver.to("/apprise/json") == []


def test_the_url_never_reaches_a_log_line_even_at_debug_level(
    tasks, sites, email_channel, receiver, caplog
):
    caplog.set_level(logging.DEBUG)
    channel = apprise_channel(f"mmost://{hostport(receiver)}/{SECRET}")
    receiver.script(f"/hooks/{SECRET}", Reply(404, "no hook"))
    delivery = planned(tasks, channel)
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    assert channel_test(channel=fresh(channel))[0] is True
    assert caplog.records and SECRET not in caplog.text


def test_the_url_is_encrypted_at_rest(db):
    channel = apprise_channel(f"tgram://123456789:{SECRET}/12345")
    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM notifications_channel WHERE id = %s", [channel.pk])
        [raw] = cursor.fetchone()
    assert SECRET not in str(raw) and "tgram" not in str(raw)
    assert Channel.objects.get(pk=channel.pk).config["url"].endswith(f"{SECRET}/12345")


# --- Send test and the admin page ----------------------------------------------------------------


def test_send_test_reports_success_and_clears_the_broken_mark(receiver, db):
    channel = apprise_channel(f"json://{hostport(receiver)}/apprise/json")
    Channel.objects.filter(pk=channel.pk).update(broken_at=T0, broken_reason="was broken")
    assert channel_test(channel=fresh(channel)) == (True, "")
    assert not fresh(channel).is_broken
    assert receiver.to("/apprise/json")[0].json["title"] == "Test message from the task portal"


def test_send_test_reports_the_exact_error(receiver, db):
    channel = apprise_channel(f"json://{hostport(receiver)}/apprise/json")
    receiver.script("/apprise/json", Reply(403, "forbidden"))
    assert channel_test(channel=channel) == (False, "JSON (127.0.0.1): HTTP 403: forbidden")


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_user("ada", password="x-Very-Long-Pass-1")
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    client.force_login(admin)
    return client


def test_an_admin_adds_an_apprise_channel_and_the_page_never_shows_its_secret(
    admin_client, receiver
):
    url = f"json://user:{SECRET}@{hostport(receiver)}/apprise/json"
    answer = admin_client.post(
        "/notifications/channels/add/",
        {"name": "Ops ntfy", "kind": "apprise", "enabled": "on", "apprise_url": url},
    )
    assert answer.status_code == 302
    channel = Channel.objects.get(name="Ops ntfy")
    assert channel.config == {"url": url}
    page = admin_client.get(f"/notifications/channels/{channel.pk}/").content.decode()
    assert SECRET not in page and "json://user:****@127.0.0.1" in page
    # Saved again with the field left blank: the stored URL stays.
    admin_client.post(f"/notifications/channels/{channel.pk}/",
                      {"name": "Ops ntfy", "kind": "apprise", "enabled": "on"})  # fmt: skip
    assert fresh(channel).config == {"url": url}

    tested = admin_client.post(f"/notifications/channels/{channel.pk}/test/").content.decode()
    assert "Sent. Check that it arrived." in tested and len(receiver.to("/apprise/json")) == 1


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nothing://x", "Apprise does not understand this URL (scheme nothing)"),
        (f"mailto://user:{SECRET}@example.com", "E-Mail does not send over HTTP"),
        ("", "An Apprise channel needs its URL."),
    ],
)
def test_a_url_apprise_cannot_send_over_http_is_refused_with_a_clear_message(
    admin_client, url, says
):
    answer = admin_client.post(
        "/notifications/channels/add/",
        {"name": "Bad", "kind": "apprise", "enabled": "on", "apprise_url": url},
    )
    page = answer.content.decode()
    assert answer.status_code == 200 and says in page and SECRET not in page
    assert not Channel.objects.filter(name="Bad").exists()


def test_requests_outside_an_apprise_send_are_left_alone(receiver, settings):
    """The wrapper under Apprise acts only inside a send: the rest of the process's requests
    keep their own policy, timeouts and redirects."""
    import requests

    settings.NOTIFY_ALLOW_LOOPBACK = False  # what refuses Apprise sends to this receiver
    receiver.script("/plain", Reply(302, "", {"Location": "/landed"}))
    answer = requests.post(receiver.url + "/plain", data=b"x", timeout=5)
    assert answer.status_code == 200 and answer.url.endswith("/landed")
    assert len(receiver.to("/plain")) == 1 and len(receiver.to("/landed")) == 1


def test_another_threads_requests_are_not_caught_by_a_send_in_progress(receiver, settings):
    """The wrapper follows a context variable: while one thread's Apprise send waits for its
    answer, another thread's plain request is neither guarded nor recorded."""
    import threading

    import requests

    from portal.notifications.channels import Message
    from portal.notifications.channels.apprise_transport import AppriseTransport

    channel = Channel(name="x", kind="apprise",
                      config={"url": f"json://{hostport(receiver)}/apprise/json"})  # fmt: skip
    receiver.script("/apprise/json", Reply(200, "ok", hang=True))
    outcome: list = []
    sender = threading.Thread(target=lambda: outcome.append(
        AppriseTransport(channel).notify(Message(key="k", subject="s", text="t"))))  # fmt: skip
    sender.start()
    receiver.wait_for("/apprise/json")
    settings.NOTIFY_ALLOW_LOOPBACK = False  # would refuse this request inside a send
    assert requests.post(receiver.url + "/plain", data=b"x", timeout=5).status_code == 200
    receiver.release()
    sender.join(30)
    assert outcome == [None]  # the send itself went through and was judged a success
