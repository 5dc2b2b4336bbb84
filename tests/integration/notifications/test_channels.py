"""Each channel against a real receiver on loopback: aiosmtpd for email, a local HTTP server for
Slack (Web API and incoming webhooks) and generic webhooks. Sends run in-process here
(``delivery_send``); the worker tests send through a real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.notifications.channels.webhook import verify
from portal.notifications.models import Channel, Delivery
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.notifications.services.send import channel_test, delivery_send
from tests.integration.notifications.conftest import T0, make_rule, site_user
from tests.integration.notifications.servers import Reply, free_port

pytestmark = pytest.mark.django_db
SALES1 = "sales1@riyadh.test"


def planned_delivery(tasks, *, people=(SALES1,), **rule) -> Delivery:
    make_rule(**rule)
    tasks.add("riyadh", title="Call back the buyer", due=T0 - timedelta(days=1),
              assignees=list(people))  # fmt: skip
    scan_run_inline(run=scan_run_start(trigger="test"))
    return Delivery.objects.get()


def status_of(delivery: Delivery) -> Delivery:
    delivery.refresh_from_db()
    return delivery


# --- email ---------------------------------------------------------------------------------------


def test_an_email_reminder_has_text_html_links_and_one_click_unsubscribe(
    tasks, sites, email_channel, mailbox, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example"
    delivery = planned_delivery(tasks)

    assert delivery_send(delivery_id=delivery.pk) == "sent"

    [mail] = mailbox.to(SALES1)
    message = mail.message
    task_id = delivery.items.get().task_id
    site_id = sites["riyadh"].pk
    text, html = mail.part("text/plain"), mail.part("text/html")
    for body in (text, html):
        assert f"https://portal.example/tasks/{site_id}/{task_id}/" in body
        assert f"{sites['riyadh'].base_url.rstrip('/')}/app/crm-task/{task_id}" in body
        assert "https://portal.example/notifications/act/" in body
        assert "Call back the buyer" in body
    assert 'dir="ltr"' in html
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<https://portal.example/notifications/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == f"<{delivery.key[:40]}@portal.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert status_of(delivery).sent_at is not None


def test_arabic_readers_get_a_right_to_left_email(tasks, sites, email_channel, mailbox):
    site_user(sites["riyadh"], SALES1, language="ar", full_name="سارة")
    delivery = planned_delivery(tasks)
    delivery_send(delivery_id=delivery.pk)
    [mail] = mailbox.to(SALES1)
    html = mail.part("text/html")
    assert '<html lang="ar" dir="rtl">' in html
    assert '<body dir="rtl"' in html
    assert "سارة" in html and "هذه المهام متأخرة:" in html
    assert mail.message["Subject"] == "متأخرة: Call back the buyer"
    assert "علّمها منجزة:" in mail.part("text/plain")


def test_a_subject_is_plain_text_on_one_line_and_the_html_body_still_escapes(
    tasks, sites, email_channel, mailbox
):
    title = "<script>\"x\" & 'co'\r\nBcc: evil@example.com\u2028" + "long " * 60
    make_rule()
    tasks.add("riyadh", title=title, due=T0 - timedelta(days=1), assignees=[SALES1])
    scan_run_inline(run=scan_run_start(trigger="test"))
    assert delivery_send(delivery_id=Delivery.objects.get().pk) == "sent"

    [mail] = mailbox.to(SALES1)
    subject = str(mail.message["Subject"]).strip()  # a long subject is folded: " =?utf-8?..."
    assert subject.startswith("Overdue: <script>\"x\" & 'co' Bcc: evil@example.com long long")
    assert "&lt;" not in subject and "&quot;" not in subject and "&amp;" not in subject
    assert not any(c in subject for c in "\r\n\u2028") and mail.message["Bcc"] is None
    assert len(subject) == 200 and subject.endswith("…")
    raw_headers = mail.raw.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in raw_headers
    html = mail.part("text/html")
    assert "&lt;script&gt;&quot;x&quot; &amp; &#x27;co&#x27;" in html and "<script>" not in html
    assert "<script>\"x\" & 'co'" in mail.part("text/plain")


def test_a_refused_address_fails_that_delivery_but_not_the_channel(
    tasks, sites, email_channel, mailbox
):
    mailbox.refuse.add(SALES1)
    delivery = planned_delivery(tasks)
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    assert "550" in status_of(delivery).last_error
    email_channel.refresh_from_db()
    assert not email_channel.is_broken


def test_a_deferred_address_is_retried_with_backoff(tasks, sites, email_channel, mailbox, clocks):
    mailbox.defer.add(SALES1)
    delivery = planned_delivery(tasks)
    assert delivery_send(delivery_id=delivery.pk) == "retry"
    delivery = status_of(delivery)
    assert delivery.send_after > clocks.now and "451" in delivery.last_error
    assert delivery_send(delivery_id=delivery.pk) == "not claimed"  # not due yet

    mailbox.defer.clear()
    clocks.set(delivery.send_after)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert len(mailbox.to(SALES1)) == 1 and status_of(delivery).attempts == 2


def test_an_unreachable_mail_server_is_retried_until_it_gives_up(
    tasks, sites, email_channel, settings, clocks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.NOTIFY_MAX_ATTEMPTS = 3
    delivery = planned_delivery(tasks)
    outcomes = []
    for _ in range(3):
        outcomes.append(delivery_send(delivery_id=delivery.pk))
        clocks.set(status_of(delivery).send_after)
    assert outcomes == ["retry", "retry", "failed"]
    assert status_of(delivery).last_error.startswith("Gave up after 3 attempts")


# --- Slack ---------------------------------------------------------------------------------------


@pytest.fixture
def slack_hook(receiver):
    return Channel.objects.create(
        name="Slack #sales", kind="slack",
        config={"mode": "webhook", "url": receiver.url + "/slack/hook"},
    )  # fmt: skip


@pytest.fixture
def slack_bot(receiver):
    return Channel.objects.create(
        name="Slack bot", kind="slack",
        config={"mode": "bot", "token": "xoxb-test-token", "channel": "#sales",
                "signing_secret": "slack-signing-secret"},
    )  # fmt: skip


def test_an_incoming_webhook_gets_block_kit_with_done_snooze_and_acknowledge_buttons(
    tasks, sites, email_channel, slack_hook, receiver
):
    delivery = planned_delivery(tasks, assignees=False, broadcast_channels=[slack_hook])
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    [post] = receiver.to("/slack/hook")
    body = post.json
    actions = [b for b in body["blocks"] if b["type"] == "actions"]
    ids = [e["action_id"] for e in actions[0]["elements"]]
    assert ids == ["done", "snooze", "ack", "open"]
    assert "Call back the buyer" in body["text"]


def test_a_bot_posts_to_its_channel_and_finds_people_by_email(
    tasks, sites, email_channel, slack_bot, receiver
):
    make_rule(name="to people by Slack", person_channel=slack_bot, broadcast_channels=[slack_bot])
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])
    scan_run_inline(run=scan_run_start(trigger="test"))
    for delivery in Delivery.objects.all():
        assert delivery_send(delivery_id=delivery.pk) == "sent"
    [lookup] = receiver.to("/slack/api/users.lookupByEmail")
    assert lookup.form["email"] == SALES1
    assert lookup.headers["Authorization"] == "Bearer xoxb-test-token"
    posts = receiver.to("/slack/api/chat.postMessage")
    assert sorted(p.form["channel"] for p in posts) == ["#sales", f"U-{SALES1}"]
    assert all(p.form["blocks"][0]["type"] == "header" for p in posts)


def test_slacks_rate_limit_is_honoured_through_retry_after(
    tasks, sites, email_channel, slack_bot, receiver, clocks
):
    receiver.script(
        "/slack/api/chat.postMessage",
        Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "600"}),
    )
    delivery = planned_delivery(tasks, assignees=False, broadcast_channels=[slack_bot])
    assert delivery_send(delivery_id=delivery.pk) == "retry"
    delivery = status_of(delivery)
    assert delivery.send_after >= clocks.now + timedelta(seconds=600)
    assert "ratelimited" in delivery.last_error
    clocks.set(delivery.send_after)
    assert delivery_send(delivery_id=delivery.pk) == "sent"


def test_a_revoked_token_breaks_the_channel_and_later_sends_fail_fast(
    tasks, sites, email_channel, slack_bot, receiver, clocks
):
    receiver.script(
        "/slack/api/chat.postMessage", Reply(200, {"ok": False, "error": "token_revoked"})
    )
    delivery = planned_delivery(tasks, assignees=False, broadcast_channels=[slack_bot])
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    slack_bot.refresh_from_db()
    assert slack_bot.is_broken and "token_revoked" in slack_bot.broken_reason

    # The next reminder is written, fails at once without calling Slack, and waits for a replay.
    clocks.advance(hours=24)
    scan_run_inline(run=scan_run_start(trigger="test"))
    later = Delivery.objects.exclude(pk=delivery.pk).get()
    assert delivery_send(delivery_id=later.pk) == "failed"
    assert "marked broken" in status_of(later).last_error
    assert len(receiver.to("/slack/api/chat.postMessage")) == 1


def test_an_unknown_slack_user_fails_that_delivery_only(
    tasks, sites, email_channel, slack_bot, receiver
):
    receiver.script(
        "/slack/api/users.lookupByEmail", Reply(200, {"ok": False, "error": "users_not_found"})
    )
    delivery = planned_delivery(tasks, person_channel=slack_bot)
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    slack_bot.refresh_from_db()
    assert not slack_bot.is_broken and not receiver.to("/slack/api/chat.postMessage")


def test_a_gone_incoming_webhook_breaks_the_channel(
    tasks, sites, email_channel, slack_hook, receiver
):
    receiver.script("/slack/hook", Reply(404, "no_service"))
    delivery = planned_delivery(tasks, assignees=False, broadcast_channels=[slack_hook])
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    slack_hook.refresh_from_db()
    assert slack_hook.is_broken and "no_service" in slack_hook.broken_reason


def test_a_slack_answer_lost_after_sending_ends_outcome_unknown(
    tasks, sites, email_channel, slack_hook, receiver, settings
):
    settings.NOTIFY_HTTP_TIMEOUT = 1
    receiver.script("/slack/hook", Reply(200, "ok", hang=True))
    delivery = planned_delivery(tasks, assignees=False, broadcast_channels=[slack_hook])
    assert delivery_send(delivery_id=delivery.pk) == "unknown"
    assert status_of(delivery).replayable


# --- generic webhooks ----------------------------------------------------------------------------


@pytest.fixture
def hook(receiver):
    return Channel.objects.create(
        name="CRM hook", kind="webhook",
        config={"url": receiver.url + "/hook", "secret": "hook-secret"},
    )  # fmt: skip


def test_a_webhook_is_signed_json_with_an_idempotency_key(
    tasks, sites, email_channel, hook, receiver
):
    delivery = planned_delivery(tasks, assignees=False, broadcast_channels=[hook])
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    [post] = receiver.to("/hook")
    assert post.headers["Idempotency-Key"] == delivery.key
    assert post.headers["Content-Type"].startswith("application/json")
    assert verify("hook-secret", timestamp=post.headers["X-Portal-Timestamp"], body=post.body,
                  header=post.headers["X-Portal-Signature"])  # fmt: skip
    body = post.json
    assert body["type"] == "task.reminder" and body["delivery"] == delivery.key
    [task] = body["tasks"]
    assert (task["site"], task["step"], task["title"]) == ("Riyadh", "first", "Call back the buyer")


def test_a_404_webhook_is_permanent_and_breaks_the_channel(
    tasks, sites, email_channel, hook, receiver
):
    receiver.script("/hook", Reply(404, "no such hook"))
    delivery = planned_delivery(tasks, assignees=False, broadcast_channels=[hook])
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    assert status_of(delivery).last_error == "HTTP 404: no such hook"
    hook.refresh_from_db()
    assert hook.is_broken


def test_a_500_is_retried_with_the_same_key(tasks, sites, email_channel, hook, receiver, clocks):
    # A lost answer is not retried: test_outcome_unknown.py.
    receiver.script("/hook", Reply(500, "oops"), Reply(503, "busy"))
    delivery = planned_delivery(tasks, assignees=False, broadcast_channels=[hook])
    assert delivery_send(delivery_id=delivery.pk) == "retry"
    clocks.set(status_of(delivery).send_after)
    assert delivery_send(delivery_id=delivery.pk) == "retry"
    clocks.set(status_of(delivery).send_after)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    keys = {r.headers["Idempotency-Key"] for r in receiver.to("/hook")}
    assert keys == {delivery.key} and len(receiver.to("/hook")) == 3


# SQLite serialises writers (the worker tests race real processes there instead): this one
# needs PostgreSQL's row locks, like every other test that says so with the marker.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_one_delivery_send_it_once(
    tasks, sites, email_channel, hook, receiver
):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    delivery = planned_delivery(tasks, assignees=False, broadcast_channels=[hook])

    def send(_):
        try:
            return delivery_send(delivery_id=delivery.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(send, range(4)))
    assert sorted(outcomes).count("sent") == 1
    assert len(receiver.to("/hook")) == 1


# --- Send test -----------------------------------------------------------------------------------


def test_send_test_reports_success_and_clears_the_broken_mark(hook, receiver, db):
    Channel.objects.filter(pk=hook.pk).update(broken_reason="was broken", broken_at=T0)
    hook.refresh_from_db()
    assert channel_test(channel=hook) == (True, "")
    hook.refresh_from_db()
    assert not hook.is_broken and receiver.to("/hook")[0].json["type"] == "test"


def test_send_test_reports_the_exact_error(db, settings):
    port = free_port()
    channel = Channel.objects.create(name="dead", kind="webhook",
                                     config={"url": f"http://127.0.0.1:{port}/x"})  # fmt: skip
    ok, error = channel_test(channel=channel)
    assert not ok and error == "127.0.0.1: could not connect (connection refused)."
    settings.NOTIFY_ALLOW_LOOPBACK = False
    ok, error = channel_test(channel=channel)
    assert not ok and "loopback" in error
