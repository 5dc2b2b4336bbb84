"""The notification centre: a reminder to a person with a portal account also lands in the
portal (by default, beside the rule's channel), written exactly once in the ledger's own
transaction; the header's bell shows the unread count and asks for it again every 15 s; the
list page marks one or all read and links to the task; each person chooses per kind of reminder
which channels reach them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from portal.notifications.channels.in_portal import PortalTransport
from portal.notifications.models import Channel, ChannelPreference, Delivery, Notification
from portal.notifications.services import ledger
from portal.notifications.services.preferences import PersonChannels
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.notifications.services.send import channel_test, delivery_send
from portal.sites.models import AuditEntry, Connection, Profile
from tests.integration.notifications.conftest import T0, make_lead, make_rule, site_user

pytestmark = pytest.mark.django_db
SALES2 = "sales2@riyadh.test"
PASSWORD = "x-Long-Pass-1"


@pytest.fixture(autouse=True)
def centre_on(settings):
    settings.NOTIFY_CENTRE_BY_DEFAULT = True


@pytest.fixture
def centre_channel(db) -> Channel:
    return Channel.objects.get(kind=Channel.Kind.PORTAL)  # made by the migration


@pytest.fixture
def sara(sites):
    user = User.objects.create_user("sara", email="sara@portal.test", password=PASSWORD)
    Profile.objects.create(user=user, language="en", time_zone="Asia/Riyadh")
    Connection.objects.create(user=user, site=sites["riyadh"], site_user_id=SALES2)
    return user


def scan():
    return scan_run_inline(run=scan_run_start(trigger="test"))


def overdue_task(tasks, title="Call back the buyer", **extra) -> str:
    return tasks.add("riyadh", title=title, due=T0 - timedelta(days=1), assignees=[SALES2], **extra)


def send_all() -> list[str]:
    return [delivery_send(delivery_id=d.pk) for d in Delivery.objects.order_by("pk")]


def kinds_of_deliveries() -> list[tuple[str, str]]:
    return sorted(Delivery.objects.values_list("channel_kind", "recipient"))


# --- delivery into the centre --------------------------------------------------------------------


def test_a_reminder_reaches_a_portal_user_by_email_and_in_the_portal_by_default(
    tasks, sites, email_channel, centre_channel, mailbox, sara
):
    make_rule()
    task_id = overdue_task(tasks)
    scan()
    assert kinds_of_deliveries() == [("email", "sara@portal.test"), ("portal", "sara@portal.test")]

    assert send_all() == ["sent", "sent"]

    [note] = Notification.objects.all()
    assert note.user == sara and note.kind == "overdue" and note.read_at is None
    assert note.title == "Overdue: Call back the buyer"
    assert note.link == f"/tasks/{sites['riyadh'].pk}/{task_id}/"
    assert "Call back the buyer (Riyadh)" in note.body
    assert note.delivery == Delivery.objects.get(channel_kind="portal")
    assert len(mailbox.to("sara@portal.test")) == 1


def test_people_without_a_portal_account_are_not_sent_to_the_centre(
    tasks, sites, email_channel, centre_channel
):
    make_rule()
    overdue_task(tasks)
    scan()
    assert kinds_of_deliveries() == [("email", SALES2)]


def test_a_disabled_centre_channel_reaches_nobody(
    tasks, sites, email_channel, centre_channel, sara
):
    Channel.objects.filter(pk=centre_channel.pk).update(enabled=False)
    make_rule()
    overdue_task(tasks)
    scan()
    assert kinds_of_deliveries() == [("email", "sara@portal.test")]


def test_a_notification_is_written_once_however_often_the_delivery_is_sent(
    tasks, sites, email_channel, centre_channel, sara
):
    make_rule()
    overdue_task(tasks)
    scan()
    delivery = Delivery.objects.get(channel_kind="portal")
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert delivery_send(delivery_id=delivery.pk) == "not claimed"
    scan()  # a second scan plans nothing new
    assert Notification.objects.count() == 1 and Delivery.objects.count() == 2


def test_a_worker_dying_before_the_commit_leaves_nothing_and_the_retry_writes_it_once(
    tasks, sites, email_channel, centre_channel, sara, clocks, settings, monkeypatch
):
    """The notification and the sent mark commit together: a crash in between (here an error
    after the row was written) rolls both back, the claim expires, and the sweeper hands the
    delivery to the next worker, which writes the notification once."""
    make_rule()
    overdue_task(tasks)
    scan()
    delivery = Delivery.objects.get(channel_kind="portal")
    real_notify = PortalTransport.notify

    def notify_then_die(self, message, **kwargs):
        real_notify(self, message, **kwargs)
        raise SystemExit("worker killed")

    monkeypatch.setattr(PortalTransport, "notify", notify_then_die)
    with pytest.raises(SystemExit):
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "claimed" and not Notification.objects.exists()

    monkeypatch.setattr(PortalTransport, "notify", real_notify)
    clocks.advance(seconds=settings.NOTIFY_CLAIM_SECONDS + 1)
    assert ledger.ledger_sweep()["released"] == 1
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert Notification.objects.count() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_an_escalation_reaches_the_lead_in_the_portal_as_an_escalation(
    tasks, sites, email_channel, centre_channel, clocks
):
    make_rule(assignees=False, escalate_after_hours=1)
    lina = make_lead(username="lina", email="lina@portal.test",
                     members=[site_user(sites["riyadh"], SALES2)])  # fmt: skip
    overdue_task(tasks)
    scan()
    assert kinds_of_deliveries() == [("email", "lina@portal.test"), ("portal", "lina@portal.test")]
    send_all()
    [note] = Notification.objects.all()
    assert (note.user, note.kind) == (lina, "escalation")
    assert note.title.startswith("Escalation:")


def test_an_arabic_reader_gets_the_notification_in_arabic(
    tasks, sites, email_channel, centre_channel, sara
):
    Profile.objects.filter(user=sara).update(language="ar")
    make_rule()
    overdue_task(tasks)
    scan()
    send_all()
    note = Notification.objects.get()
    assert note.title == "متأخرة: Call back the buyer"
    assert "هذه المهام متأخرة:" in note.body


def test_send_test_on_the_centre_writes_a_test_notification_for_that_person(centre_channel, sara):
    assert channel_test(channel=centre_channel, recipient="SARA@portal.test") == (True, "")
    assert Notification.objects.get(user=sara).kind == "test"
    ok, error = channel_test(channel=centre_channel, recipient="nobody@portal.test")
    assert not ok and error == "No single active portal account has the address nobody@portal.test."


# --- the bell and the list -----------------------------------------------------------------------


def notes_for(user, count: int) -> list[Notification]:
    return [
        Notification.objects.create(
            user=user,
            key=f"k-{user.pk}-{n}",
            title=f"Task {n}",
            body="line one\nline two",
            link="/tasks/1/7/",
            created_at=T0 + timedelta(minutes=n),
        )  # fmt: skip
        for n in range(count)
    ]


def test_the_header_bell_shows_the_unread_count_and_polls_for_it(client, sara):
    notes_for(sara, 3)
    client.force_login(sara)
    page = client.get("/notifications/centre/").content.decode()
    assert 'id="bell"' in page and '<span class="bell-count">3</span>' in page
    assert 'hx-get="/notifications/centre/count/"' in page
    assert 'hx-trigger="every 15s, notifications-changed from:body"' in page

    count = client.get("/notifications/centre/count/", HTTP_HX_REQUEST="true").content.decode()
    assert '<span class="bell-count">3</span>' in count and "<html" not in count


def test_the_count_stops_the_polling_of_a_signed_out_page(client, db):
    assert client.get("/notifications/centre/count/").status_code == 286


def test_mark_one_read_then_all_read(client, sara):
    first, second, third = notes_for(sara, 3)
    client.force_login(sara)
    page = client.get("/notifications/centre/").content.decode()
    assert page.count('class="notification unread"') == 3
    assert 'href="/tasks/1/7/"' in page and "<bdi>line one</bdi><br><bdi>line two</bdi>" in page

    answer = client.post(f"/notifications/centre/{second.pk}/read/", HTTP_HX_REQUEST="true")
    assert answer["HX-Trigger"] == "notifications-changed"
    assert answer.content.decode().count('class="notification unread"') == 2
    second.refresh_from_db()
    assert second.is_read

    assert client.post("/notifications/centre/read-all/").status_code == 302
    assert not Notification.objects.filter(user=sara, read_at__isnull=True).exists()
    page = client.get("/notifications/centre/").content.decode()
    assert '<span class="bell-count">0</span>' in page and "Mark all read" not in page


def test_nobody_reads_or_marks_another_persons_notifications(client, sara, db):
    [hers] = notes_for(sara, 1)
    other = User.objects.create_user("omar", email="omar@portal.test", password=PASSWORD)
    client.force_login(other)
    assert "Task 0" not in client.get("/notifications/centre/").content.decode()
    client.post(f"/notifications/centre/{hers.pk}/read/")
    client.post("/notifications/centre/read-all/")
    hers.refresh_from_db()
    assert hers.read_at is None


def test_the_centre_needs_a_login(client, db):
    assert client.get("/notifications/centre/").status_code == 302


def test_the_centre_speaks_arabic(client, sara):
    notes_for(sara, 1)
    client.force_login(sara)
    with translation.override("ar"):
        page = client.get("/notifications/centre/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "الإشعارات" in page and "تعليم الكل كمقروء" in page


# --- each person's channels per kind -------------------------------------------------------------


def choose(user, **kinds) -> None:
    for kind, channels in kinds.items():
        ChannelPreference.objects.create(user=user, kind=kind, channels=channels)


def test_a_person_who_wants_digests_only_in_the_portal_gets_no_email(
    tasks, sites, email_channel, centre_channel, sara
):
    choose(sara, digest=["portal"])
    make_rule()  # digests
    overdue_task(tasks)
    scan()
    assert kinds_of_deliveries() == [("portal", "sara@portal.test")]


def test_a_person_who_wants_overdue_reminders_by_email_only_gets_no_notification(
    tasks, sites, email_channel, centre_channel, sara
):
    choose(sara, overdue=["email"], digest=["portal"])
    make_rule(shape="task")
    overdue_task(tasks)
    scan()
    assert kinds_of_deliveries() == [("email", "sara@portal.test")]


def test_a_person_who_ticks_nothing_for_a_kind_gets_none_of_that_kind(
    tasks, sites, email_channel, centre_channel, sara
):
    choose(sara, digest=[])
    make_rule()
    overdue_task(tasks)
    scan()
    assert not Delivery.objects.exists()


def test_reminders_before_the_due_time_follow_the_choice_for_that_kind_and_read_as_such(
    tasks, sites, email_channel, centre_channel, sara
):
    """Before-due reminders are their own kind: here only in the portal, while the overdue
    digest would go by email; the centre files them as before due, not as overdue."""
    choose(sara, before_due=["portal"], digest=["email"])
    make_rule(before_due_minutes=[60])
    tasks.add("riyadh", title="Quote due soon", due=T0 + timedelta(minutes=50),
              assignees=[SALES2])  # fmt: skip
    scan()
    assert kinds_of_deliveries() == [("portal", "sara@portal.test")]
    send_all()
    note = Notification.objects.get(user=sara)
    assert note.kind == Notification.Kind.BEFORE_DUE


def test_a_lead_chooses_escalations_apart_from_other_reminders(
    tasks, sites, email_channel, centre_channel
):
    make_rule(team_leads=True, escalate_after_hours=1)
    lina = make_lead(username="lina", email="lina@portal.test",
                     members=[site_user(sites["riyadh"], SALES2)])  # fmt: skip
    choose(lina, escalation=["portal"], digest=["email"])
    overdue_task(tasks)
    scan()
    steps = sorted(
        (d.channel_kind, d.items.get().step) for d in Delivery.objects.filter(recipient=lina.email)
    )
    assert steps == [("email", 0), ("portal", -1)]


def test_the_planner_asks_one_function_whether_a_kind_goes_through_a_channel(
    email_channel, centre_channel, sara
):
    choose(sara, escalation=["portal"])
    people = PersonChannels()
    assert people.wants(address="SARA@portal.test", kind="escalation", channel=centre_channel,
                        default=email_channel)  # fmt: skip
    assert not people.wants(address="sara@portal.test", kind="escalation", channel=email_channel,
                            default=email_channel)  # fmt: skip
    # No choice for overdue: the rule's channel plus the centre.
    found = people.channels_for(address="sara@portal.test", kind="overdue", default=email_channel)
    assert found == [email_channel, centre_channel]


def test_the_preferences_form_on_my_reminders_saves_each_kind(client, sara, centre_channel):
    client.force_login(sara)
    page = client.get("/notifications/me/").content.decode()
    assert 'action="/notifications/me/channels/"' in page
    assert 'name="digest" value="portal"' in page and 'name="escalation" value="email"' in page
    answer = client.post(
        "/notifications/me/channels/",
        {"before_due": ["email", "portal"], "overdue": ["email"], "digest": ["portal"]},
    )
    assert answer.status_code == 302
    saved = dict(ChannelPreference.objects.filter(user=sara).values_list("kind", "channels"))
    assert saved == {"before_due": ["email", "portal"], "overdue": ["email"],
                     "digest": ["portal"], "escalation": []}  # fmt: skip
    assert AuditEntry.objects.filter(action="reminder_channels").exists()
    page = client.get("/notifications/me/").content.decode()
    assert "Your choice of channels is saved." in page


def test_a_slack_direct_message_is_offered_only_when_a_slack_bot_is_set_up(client, sara):
    client.force_login(sara)
    assert 'value="slack"' not in client.get("/notifications/me/").content.decode()
    Channel.objects.create(name="Slack bot", kind="slack", config={"mode": "bot", "token": "x"})
    assert 'value="slack"' in client.get("/notifications/me/").content.decode()


def test_an_unknown_channel_in_the_form_is_refused(client, sara):
    client.force_login(sara)
    client.post("/notifications/me/channels/", {"digest": ["carrier-pigeon"]})
    assert not ChannelPreference.objects.exists()
