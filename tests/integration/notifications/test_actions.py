"""Acting from a reminder: Done and Snooze links (emails) and buttons (Slack), written back to the
stand-in site with the service credential and audited; one-click unsubscribe."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import time, timedelta
from urllib.parse import urlencode

import pytest

from portal.notifications import tokens
from portal.notifications.models import Channel, Delivery, OptOut, TaskTransition, WatchedTask
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.sites.models import AuditEntry
from tests.integration.notifications.conftest import T0, make_rule, site_user

pytestmark = pytest.mark.django_db
SALES1 = "sales1@riyadh.test"


def scan():
    return scan_run_inline(run=scan_run_start(trigger="test"))


def link(action: str, site, task_id: int, delivery_id=None) -> str:
    token = tokens.action_token(action=action, site_id=site.pk, task_id=task_id,
                                recipient=SALES1, delivery_id=delivery_id)  # fmt: skip
    return f"/notifications/act/{token}/"


@pytest.fixture
def held_reminder(tasks, sites, email_channel, clocks):
    """An overdue task with a reminder held by quiet hours (so it is still pending)."""
    make_rule(quiet_start=time(0), quiet_end=time(23, 59))
    site_user(sites["riyadh"], SALES1, time_zone="Asia/Riyadh")
    task_id = tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1],
                        save_rules=True)  # fmt: skip
    scan()
    return task_id, Delivery.objects.get()


def test_a_done_link_asks_first_then_marks_the_task_done_on_the_site_and_audits(
    client, tasks, sites, held_reminder
):
    task_id, delivery = held_reminder
    url = link("done", sites["riyadh"], task_id, delivery.pk)

    page = client.get(url)  # what a mail scanner fetching every link would do
    assert page.status_code == 200 and b"<form" in page.content
    assert tasks.row("riyadh", task_id)["status"] == "late"

    done = client.post(url)

    assert done.status_code == 200 and b"Marked done" in done.content
    assert tasks.row("riyadh", task_id)["status"] == "Done"
    entry = AuditEntry.objects.get(action="reminder_done")
    assert entry.ok and entry.task_id == str(task_id) and entry.site == sites["riyadh"]
    assert entry.changes == {"status": "Done", "by": f"reminder link: {SALES1}"}
    assert "API key" in entry.credential
    delivery.refresh_from_db()
    assert delivery.status == "obsolete"  # the held reminder will not go out
    assert TaskTransition.objects.get(task_id=task_id).portal_status == "done"
    assert scan() == [] and not WatchedTask.objects.filter(task_id=task_id).exists()


def test_a_done_link_the_site_answers_without_making_is_reported_failed_and_keeps_reminding(
    client, tasks, sites, held_reminder, monkeypatch
):
    """A 200 that does not show the change (a site customisation keeping the status) is not a
    success: the person reads it, the audit log says what the site answered, reminders go on."""
    from portal.sites.backends.frappe import FrappeClient

    task_id, delivery = held_reminder
    monkeypatch.setattr(
        FrappeClient, "update_status", lambda self, ident, status: self.get_task(ident)
    )
    done = client.post(link("done", sites["riyadh"], task_id, delivery.pk))
    assert b"Marked done" not in done.content
    assert "kept this task late" in done.content.decode()
    entry = AuditEntry.objects.get(action="reminder_done")
    assert not entry.ok and "refused by the site" in entry.error
    assert entry.changes["site answered"] == {"status": "late"}
    delivery.refresh_from_db()
    assert delivery.status == "pending"  # still to be reminded
    assert not TaskTransition.objects.filter(task_id=task_id).exists()


def test_snooze_moves_the_due_date_a_day_and_reminders_start_again_after_it(
    client, tasks, sites, held_reminder, clocks
):
    task_id, delivery = held_reminder
    response = client.post(link("snooze", sites["riyadh"], task_id, delivery.pk))

    assert response.status_code == 200 and b"Snoozed" in response.content
    row = tasks.row("riyadh", task_id)
    assert row["due_date"] == "2026-11-24 12:00:00"  # T0 + 1 day, Riyadh time
    assert row["status"] == "Todo"  # no longer `late`, which counts as overdue
    assert AuditEntry.objects.get(action="reminder_snooze").changes["due_date"] == row["due_date"]
    assert scan() == []

    clocks.advance(days=1, minutes=1)
    [again] = scan()
    assert [i.step for i in again.items] == [0]  # a new episode: a first reminder again


def test_a_failed_write_is_shown_and_audited_as_failed(client, tasks, sites, held_reminder):
    task_id, _ = held_reminder
    missing = str(int(task_id) + 1000)
    response = client.post(link("done", sites["riyadh"], missing))
    assert b"That did not work" in response.content
    entry = AuditEntry.objects.get(action="reminder_done")
    assert not entry.ok and entry.error


def test_a_tampered_link_is_refused_and_an_expired_one_says_so(client, sites, clocks, settings):
    url = link("done", sites["riyadh"], 5)
    assert client.get(url[:-3] + "xx/").status_code == 403
    assert client.post(url[:-3] + "xx/").status_code == 403
    clocks.advance(hours=settings.NOTIFY_ACTION_LINK_HOURS + 1)
    response = client.post(url)
    assert response.status_code == 410 and b"expired" in response.content


# --- Slack buttons -------------------------------------------------------------------------------


@pytest.fixture
def slack_app(receiver):
    return Channel.objects.create(
        name="Slack bot", kind="slack",
        config={"mode": "bot", "token": "xoxb-t", "channel": "#sales",
                "signing_secret": "slack-signing-secret"},
    )  # fmt: skip


SIGNING = "slack-signing-secret"


def slack_post(client, channel, payload: dict, *, secret=None, at=None):
    secret = secret or SIGNING
    body = urlencode({"payload": json.dumps(payload)}).encode()
    timestamp = str(int(at if at is not None else T0.timestamp()))
    base = b"v0:" + timestamp.encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return client.post(
        f"/notifications/slack/{channel.pk}/actions/",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature},
    )


def button(action: str, site, task_id, response_url: str) -> dict:
    token = tokens.action_token(action=action, site_id=site.pk, task_id=task_id,
                                recipient="channel:1", delivery_id=None)  # fmt: skip
    return {
        "type": "block_actions",
        "user": {"id": "U123", "username": "sara"},
        "response_url": response_url,
        "actions": [{"action_id": action, "value": token}],
    }


def test_a_slack_done_button_marks_the_task_done_and_answers_the_clicker(
    client, tasks, sites, held_reminder, slack_app, receiver
):
    task_id, _ = held_reminder
    payload = button("done", sites["riyadh"], task_id, receiver.url + "/respond")

    response = slack_post(client, slack_app, payload)

    assert response.status_code == 200
    assert tasks.row("riyadh", task_id)["status"] == "Done"
    [note] = receiver.to("/respond")
    assert note.json["response_type"] == "ephemeral" and "Marked done" in note.json["text"]
    assert AuditEntry.objects.get(action="reminder_done").changes["by"] == "slack user U123 (sara)"


def test_slack_requests_with_a_bad_signature_or_an_old_timestamp_are_refused(
    client, tasks, sites, held_reminder, slack_app, receiver
):
    task_id, _ = held_reminder
    payload = button("done", sites["riyadh"], task_id, receiver.url + "/respond")
    assert slack_post(client, slack_app, payload, secret="wrong").status_code == 403
    assert slack_post(client, slack_app, payload, at=T0.timestamp() - 600).status_code == 403
    assert tasks.row("riyadh", task_id)["status"] == "late"
    assert client.get(f"/notifications/slack/{slack_app.pk}/actions/").status_code == 405


# --- unsubscribe ---------------------------------------------------------------------------------


def test_one_click_unsubscribe_needs_no_login_and_stops_reminders(
    client, tasks, sites, email_channel
):
    make_rule()
    token = tokens.unsubscribe_token(address=SALES1)
    url = f"/notifications/unsubscribe/{token}/"
    assert client.get(url).status_code == 200
    assert not OptOut.objects.exists()  # a GET (a link scanner) changes nothing

    # RFC 8058: the mail client POSTs this body, without cookies or a CSRF token.
    csrf_client = client.__class__(enforce_csrf_checks=True)
    response = csrf_client.post(
        url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert OptOut.objects.get().address == SALES1
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])
    assert scan() == []


def test_a_tampered_unsubscribe_link_is_refused(client, db):
    assert client.post("/notifications/unsubscribe/nonsense/").status_code == 403
    assert not OptOut.objects.exists()
