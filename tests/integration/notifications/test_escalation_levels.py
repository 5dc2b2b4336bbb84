"""Escalation in levels: the assignee, then the team lead after H hours, then a named person or
a channel after more hours; Acknowledge from a signed link, a Slack button or the portal stops
the levels not reached yet, records who acknowledged, says so in the audit log, the task's
history and later messages, and leaves the task open at its site."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from portal.notifications import tokens
from portal.notifications.models import Acknowledgement, Channel, Delivery, DeliveryItem
from portal.notifications.services.messages import message_render
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.sites.models import AuditEntry, Profile, SiteGrant
from tests.integration.notifications.conftest import T0, make_lead, make_rule, site_user

pytestmark = pytest.mark.django_db
SALES1 = "sales1@riyadh.test"
LEAD = "lina@portal.test"
BOSS = "boss@portal.test"


def scan():
    return scan_run_inline(run=scan_run_start(trigger="test"))


def steps() -> list[tuple[str, str]]:
    return [(i.recipient, i.step_label) for i in DeliveryItem.objects.order_by("id")]


@pytest.fixture
def levels(tasks, sites, email_channel):
    """An overdue task of SALES1 (due 1 hour ago), a lead for their team, a rule escalating to
    the lead after 4 hours and to the boss and an ops channel 8 hours after that."""
    hook = Channel.objects.create(name="Ops hook", kind="webhook", config={"url": "http://x/"})
    make_rule(escalate_after_hours=4, escalate_next_after_hours=8, escalate_next_address=BOSS,
              escalate_next_channel=hook, repeat_every_hours=0)  # fmt: skip
    make_lead(username="lina", email=LEAD, members=[site_user(sites["riyadh"], SALES1)])
    task = tasks.add("riyadh", title="Call back", due=T0 - timedelta(hours=1), assignees=[SALES1],
                     save_rules=True)  # fmt: skip
    return task


def test_each_level_fires_at_its_hour_to_its_people_and_channel(levels, clocks):
    scan()
    assert steps() == [(SALES1, "first")]
    clocks.advance(hours=2, minutes=59)
    assert scan() == []
    clocks.advance(minutes=2)  # 4 hours overdue
    scan()
    assert steps()[1:] == [(LEAD, "escalation")]
    clocks.advance(hours=7, minutes=58)
    assert scan() == []
    clocks.advance(minutes=3)  # 12 hours overdue
    scan()
    assert sorted(steps()[2:]) == [("", "escalation 2"), (BOSS, "escalation 2")]
    clocks.advance(hours=24)
    assert scan() == []  # every level once
    boss = Delivery.objects.get(recipient=BOSS)
    message = message_render(boss)
    assert message is not None and message.subject.startswith("Escalation:")
    assert "further escalation" in message.text


def _ack_link(site, task_id: str, recipient: str = LEAD) -> str:
    token = tokens.action_token(action="ack", site_id=site.pk, task_id=task_id,
                                recipient=recipient, delivery_id=None)  # fmt: skip
    return f"/notifications/act/{token}/"


def test_acknowledging_by_signed_link_stops_the_next_level_and_keeps_the_task_open(
    client, levels, sites, tasks, clocks
):
    scan()
    clocks.advance(hours=4)
    scan()
    url = _ack_link(sites["riyadh"], levels)

    page = client.get(url)  # a mail scanner's fetch changes nothing
    assert page.status_code == 200 and b"<form" in page.content
    assert not Acknowledgement.objects.exists()
    answer = client.post(url)

    assert answer.status_code == 200
    assert f"Acknowledged by {LEAD}" in answer.content.decode()
    ack = Acknowledgement.objects.get()
    assert (ack.by, ack.source, ack.task_id) == (LEAD, "link", levels)
    clocks.advance(hours=12)
    scan()
    assert [s for s in steps() if s[1] == "escalation 2"] == []
    assert tasks.row("riyadh", levels)["status"] == "late"  # still open at the site
    entry = AuditEntry.objects.get(action="reminder_acknowledge")
    assert entry.ok and entry.changes["by"] == LEAD and entry.task_id == levels


def test_later_messages_say_who_acknowledged_and_offer_no_second_acknowledge(
    client, levels, sites, clocks
):
    make_rule(name="Daily", repeat_every_hours=24, max_repeats=3)
    scan()
    client.post(_ack_link(sites["riyadh"], levels))
    clocks.advance(hours=24)
    scan()
    repeat = Delivery.objects.filter(rule__name="Daily").order_by("-id").first()
    message = message_render(repeat)
    assert message is not None
    assert f"Acknowledged by {LEAD} at " in message.text
    assert "Acknowledge (stops further escalation)" not in message.text


def test_an_escalation_held_when_acknowledged_is_not_sent(client, levels, sites, clocks):
    from datetime import time

    scan()
    Delivery.objects.all().delete()
    from portal.notifications.models import Rule

    Rule.objects.update(quiet_start=time(0), quiet_end=time(23, 59))
    clocks.advance(hours=4)
    scan()
    held = Delivery.objects.get(recipient=LEAD)
    assert held.status == "pending" and held.send_after > clocks.now
    client.post(_ack_link(sites["riyadh"], levels, recipient=SALES1))
    assert message_render(held) is None


def test_acknowledging_from_the_portal_names_the_person_and_shows_in_the_history(
    client, levels, sites, clocks
):
    admin = User.objects.create_user("amal", email="amal@portal.test", password="x-Long-Pass-1",
                                     first_name="Amal", last_name="Haddad")  # fmt: skip
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    client.force_login(admin)
    scan()
    site = sites["riyadh"]
    history_url = f"/notifications/tasks/{site.pk}/{levels}/"
    assert "Acknowledge: I am on it" in client.get(history_url).content.decode()

    answer = client.post(
        f"/notifications/tasks/{site.pk}/{levels}/acknowledge/", {"next": history_url}
    )

    assert answer.status_code == 302 and answer["Location"] == history_url
    page = client.get(history_url).content.decode()
    assert "Acknowledged by <bdi>Amal Haddad</bdi>" in page
    assert Acknowledgement.objects.get().source == "portal"
    entry = AuditEntry.objects.get(action="reminder_acknowledge")
    assert entry.user == admin and entry.changes["by"] == "Amal Haddad"
    clocks.advance(hours=20)
    scan()
    assert [s for s in steps() if s[1].startswith("escalation")] == []


def test_acknowledging_from_the_portal_needs_access_to_the_site(client, levels, sites):
    member = User.objects.create_user("m", email="m@portal.test", password="x-Long-Pass-1")
    Profile.objects.create(user=member, role=Profile.Role.MEMBER)
    client.force_login(member)
    scan()
    url = f"/notifications/tasks/{sites['riyadh'].pk}/{levels}/acknowledge/"
    assert client.post(url).status_code == 404
    assert not Acknowledgement.objects.exists()
    SiteGrant.objects.create(user=member, site=sites["riyadh"])
    assert client.post(url).status_code == 302
    assert Acknowledgement.objects.get().by == "m"


def test_a_forged_acknowledge_link_is_refused(client, levels, sites):
    scan()
    url = _ack_link(sites["riyadh"], levels)
    assert client.post(url[:-3] + "xx/").status_code == 403
    assert not Acknowledgement.objects.exists()


def test_unassigned_tasks_escalate_to_the_sites_team_leads(tasks, sites, email_channel, clocks):
    make_rule(escalate_after_hours=2, unassigned_to="person",
              unassigned_address="dispatch@portal.test")  # fmt: skip
    make_lead(username="lina", email=LEAD, members=[site_user(sites["riyadh"], SALES1)])
    tasks.add("riyadh", title="Nobody's", due=T0 - timedelta(hours=3))
    scan()
    assert sorted(steps()) == [("dispatch@portal.test", "first"), (LEAD, "escalation")]


def test_the_acknowledged_state_reads_in_arabic(client, levels, sites, clocks):
    make_rule(name="Daily", repeat_every_hours=24, max_repeats=3, language="ar")
    site_user(sites["riyadh"], SALES1, language="ar")
    scan()
    client.post(_ack_link(sites["riyadh"], levels))
    clocks.advance(hours=24)
    scan()
    repeat = Delivery.objects.filter(rule__name="Daily").order_by("-id").first()
    message = message_render(repeat)
    assert message is not None and repeat.language == "ar"
    assert f"تمّ الإقرار بها من {LEAD} في " in message.text  # whoever it is, man or woman


def test_a_slack_acknowledge_button_names_the_slack_user_and_leaves_the_task_open(
    client, levels, sites, tasks, receiver
):
    from tests.integration.notifications.test_actions import button, slack_post

    slack = Channel.objects.create(
        name="Slack bot", kind="slack",
        config={"mode": "bot", "token": "xoxb-t", "channel": "#sales",
                "signing_secret": "slack-signing-secret"},
    )  # fmt: skip
    scan()
    payload = button("ack", sites["riyadh"], levels, receiver.url + "/respond")

    assert slack_post(client, slack, payload).status_code == 200

    ack = Acknowledgement.objects.get()
    assert (ack.by, ack.source) == ("sara (Slack)", "slack")
    [note] = receiver.to("/respond")
    assert "Acknowledged by sara (Slack)" in note.json["text"]
    assert tasks.row("riyadh", levels)["status"] == "late"


def test_webhook_messages_carry_the_acknowledge_link_and_then_who_acknowledged(
    client, levels, sites, clocks
):
    scan()
    clocks.advance(hours=12)
    scan()
    hook = Delivery.objects.get(channel__name="Ops hook")
    [task] = message_render(hook).payload["tasks"]
    assert task["step"] == "escalation 2" and task["acknowledged_by"] is None
    assert (
        task["acknowledge_url"].startswith("http")
        and "/notifications/act/" in task["acknowledge_url"]
    )

    path = task["acknowledge_url"].split("://", 1)[1].split("/", 1)[1]
    assert client.post("/" + path).status_code == 200

    assert Acknowledgement.objects.get().by == "Ops hook"
    text = message_render(Delivery.objects.get(recipient=SALES1)).text
    assert "Acknowledged by Ops hook at " in text
    assert "Acknowledge (stops further escalation)" not in text
