"""Planning reminders from real scans of stand-in sites, with the portal clock and the stand-ins'
clocks moved together: who gets what, when, in which shape, and never twice."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from portal.notifications.models import Delivery, DeliveryItem, OptOut, Rule
from portal.notifications.services import deliveries, ledger
from portal.notifications.services.plan import rule_plan
from portal.notifications.services.recipients import Directory
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.sites.models import Connection, Profile
from tests.integration.notifications.conftest import T0, make_lead, make_rule, site_user

pytestmark = pytest.mark.django_db

SALES1 = "sales1@riyadh.test"
SALES2 = "sales2@riyadh.test"


@pytest.fixture
def enqueued(monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr(
        ledger, "deliveries_enqueue", lambda *, delivery_ids: sent.extend(delivery_ids)
    )
    return sent


def scan():
    return scan_run_inline(run=scan_run_start(trigger="test"))


def steps(delivery: Delivery) -> list[tuple[str, str]]:
    return [(i.task_id, i.step_label) for i in delivery.items.order_by("became_at", "task_id")]


def test_each_assignee_gets_one_digest_of_every_site_most_overdue_first(
    tasks, sites, email_channel
):
    make_rule()
    a = tasks.add("riyadh", title="two days", due=T0 - timedelta(days=2), assignees=[SALES1])
    b = tasks.add("cairo", title="five days", due=T0 - timedelta(days=5), assignees=[SALES1])
    c = tasks.add("riyadh", title="one hour", due=T0 - timedelta(hours=1), assignees=[SALES1])
    other = tasks.add("riyadh", title="hers", due=T0 - timedelta(days=1), assignees=[SALES2])

    planned = scan()

    assert len(planned) == 2
    mine = Delivery.objects.get(recipient=SALES1)
    assert mine.shape == "digest" and mine.channel == email_channel
    assert steps(mine) == [(b, "first"), (a, "first"), (c, "first")]
    assert steps(Delivery.objects.get(recipient=SALES2)) == [(other, "first")]


def test_running_the_scan_twice_plans_nothing_new(tasks, sites, email_channel):
    make_rule()
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])
    assert len(scan()) == 1
    assert scan() == []
    assert Delivery.objects.count() == 1 and DeliveryItem.objects.count() == 1


def test_repeats_follow_the_interval_and_stop_at_the_maximum(tasks, sites, email_channel, clocks):
    make_rule(repeat_every_hours=24, max_repeats=2)
    task = tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])
    scan()
    clocks.advance(hours=23)
    assert scan() == []
    clocks.advance(hours=1)
    assert [i.step for p in scan() for i in p.items] == [1]
    clocks.advance(hours=24)
    assert [i.step for p in scan() for i in p.items] == [2]
    clocks.advance(hours=24)
    assert scan() == []
    labels = [i.step_label for i in DeliveryItem.objects.filter(task_id=task).order_by("id")]
    assert labels == ["first", "repeat 1", "repeat 2"]


def test_the_first_reminder_waits_for_the_rules_delay(tasks, sites, email_channel, clocks):
    make_rule(first_after_minutes=120)
    tasks.add("riyadh", title="just overdue", due=T0 - timedelta(minutes=30), assignees=[SALES1])
    assert scan() == []
    clocks.advance(minutes=90)
    assert len(scan()) == 1


def test_escalation_reaches_the_assignees_team_lead_once(tasks, sites, email_channel, clocks):
    make_rule(escalate_after_hours=48, repeat_every_hours=0)
    make_lead(username="lina", email="lina@portal.test",
              members=[site_user(sites["riyadh"], SALES1)])  # fmt: skip
    task = tasks.add("riyadh", title="overdue", due=T0 - timedelta(hours=40), assignees=[SALES1])
    scan()
    assert not Delivery.objects.filter(recipient="lina@portal.test").exists()

    clocks.advance(hours=9)
    scan()
    clocks.advance(hours=9)
    scan()

    escalations = DeliveryItem.objects.filter(step=DeliveryItem.ESCALATION)
    assert [(e.recipient, e.task_id) for e in escalations] == [("lina@portal.test", task)]
    lead_delivery = Delivery.objects.get(recipient="lina@portal.test")
    assert lead_delivery.language == "en" and lead_delivery.time_zone == "Asia/Riyadh"


def test_team_leads_can_get_every_reminder_of_their_team(tasks, sites, email_channel):
    make_rule(team_leads=True)
    make_lead(username="lina", email="lina@portal.test",
              members=[site_user(sites["riyadh"], SALES1)])  # fmt: skip
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])
    scan()
    assert set(Delivery.objects.values_list("recipient", flat=True)) == {SALES1, "lina@portal.test"}


def test_quiet_hours_hold_a_reminder_until_the_window_opens_in_the_recipients_zone(
    tasks, sites, email_channel, clocks, enqueued
):
    make_rule(quiet_start=time(22), quiet_end=time(7))
    site_user(sites["riyadh"], SALES1, time_zone="Asia/Riyadh")
    clocks.set(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # 23:00 in Riyadh
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])

    scan()

    held = Delivery.objects.get()
    opens = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 07:00 in Riyadh
    assert held.send_after == opens and held.status == "pending" and held.held_reason
    assert ledger.ledger_sweep()["enqueued"] == 0  # still quiet: nothing goes
    assert scan() == []  # held, not forgotten: no second plan either

    clocks.set(opens)
    assert ledger.ledger_sweep()["enqueued"] == 1
    assert enqueued == [held.pk]


def test_a_task_due_while_a_digest_is_held_joins_it(tasks, sites, email_channel, clocks):
    make_rule(quiet_start=time(22), quiet_end=time(7))
    site_user(sites["riyadh"], SALES1, time_zone="Asia/Riyadh")
    clocks.set(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))
    tasks.add("riyadh", title="first", due=T0 - timedelta(days=1), assignees=[SALES1])
    scan()
    clocks.advance(hours=1)
    tasks.add("riyadh", title="second", due=clocks.now - timedelta(minutes=5), assignees=[SALES1])
    scan()
    held = Delivery.objects.get()
    assert held.items.count() == 2


def test_one_message_per_task_when_the_rule_says_so(tasks, sites, email_channel):
    make_rule(shape=Rule.Shape.TASK)
    for n in range(3):
        tasks.add("riyadh", title=f"t{n}", due=T0 - timedelta(days=1), assignees=[SALES1])
    scan()
    deliveries = Delivery.objects.filter(recipient=SALES1)
    assert deliveries.count() == 3
    assert {d.shape for d in deliveries} == {"task"}
    assert all(d.site_id == sites["riyadh"].pk for d in deliveries)


def test_people_who_opted_out_get_nothing(tasks, sites, email_channel):
    make_rule()
    OptOut.objects.create(address=SALES1, created_at=T0)
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1, SALES2])
    scan()
    assert list(Delivery.objects.values_list("recipient", flat=True)) == [SALES2]


def test_fixed_addresses_and_broadcast_channels_get_every_task_in_scope(
    tasks, sites, email_channel
):
    from portal.notifications.models import Channel

    hook = Channel.objects.create(name="Ops hook", kind="webhook", config={"url": "http://x/"})
    make_rule(assignees=False, fixed_addresses=["boss@portal.test"], broadcast_channels=[hook])
    tasks.add("riyadh", title="unassigned", due=T0 - timedelta(days=1))
    tasks.add("cairo", title="assigned", due=T0 - timedelta(days=1), assignees=[SALES1])
    scan()
    by_recipient = {(d.channel.name, d.recipient): d.items.count() for d in Delivery.objects.all()}
    assert by_recipient == {("Email", "boss@portal.test"): 2, ("Ops hook", ""): 2}


def test_scope_by_site_priority_task_type_and_bucket(tasks, sites, email_channel):
    make_rule(sites=[sites["riyadh"]], priorities=["High"], task_types=["call"], buckets="both")
    wanted = tasks.add("riyadh", title="in", due=T0 - timedelta(days=1), assignees=[SALES1])
    late = tasks.add("riyadh", title="late", start=T0 - timedelta(days=2), assignees=[SALES1])
    tasks.add("riyadh", title="low", due=T0 - timedelta(days=1), priority="Low", assignees=[SALES1])
    tasks.add("riyadh", title="meeting", due=T0 - timedelta(days=1), task_type="team meeting",
              assignees=[SALES1])  # fmt: skip
    tasks.add("cairo", title="other site", due=T0 - timedelta(days=1), assignees=[SALES1])
    scan()
    assert {i.task_id for i in DeliveryItem.objects.all()} == {wanted, late}

    Rule.objects.update(buckets="late")
    DeliveryItem.objects.all().delete()
    Delivery.objects.all().delete()
    from portal.notifications.models import ReminderState

    ReminderState.objects.all().delete()
    scan()
    assert {i.task_id for i in DeliveryItem.objects.all()} == {late}


def test_arabic_speakers_get_arabic_reminders(tasks, sites, email_channel):
    make_rule()
    site_user(sites["riyadh"], SALES2, language="ar", full_name="سارة الأحمد")
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES2])
    scan()
    delivery = Delivery.objects.get()
    assert (delivery.language, delivery.recipient_name) == ("ar", "سارة الأحمد")


def test_racing_planners_cannot_write_the_same_step_twice(tasks, sites, email_channel):
    rule = make_rule()
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])
    scan_run_inline(run=scan_run_start(trigger="test"))  # watch it, plan once
    from portal.notifications.models import ReminderState, WatchedTask

    # A planner that read the state before the first one wrote it computes the same steps.
    ReminderState.objects.all().delete()
    watched = list(WatchedTask.objects.all())
    stale = rule_plan(rule=rule, tasks=watched, directory=Directory(site_ids=[sites["riyadh"].pk]),
                      now=T0, site_ids=None)  # fmt: skip
    assert len(stale) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        deliveries.deliveries_create(planned=stale, run=None, now=T0)
    assert Delivery.objects.count() == 1


def test_a_connected_portal_user_gets_one_digest_of_both_sites_in_their_language(
    tasks, sites, email_channel
):
    """Sara is sales2 on Riyadh and s.ahmed on Cairo; the portal knows both are her."""
    make_rule()
    sara = User.objects.create_user("sara", email="Sara@Portal.test")
    Profile.objects.create(user=sara, language="ar", time_zone="Africa/Cairo")
    Connection.objects.create(user=sara, site=sites["riyadh"], site_user_id=SALES2)
    Connection.objects.create(user=sara, site=sites["cairo"], site_user_id="s.ahmed@cairo.test")
    a = tasks.add("riyadh", title="riyadh", due=T0 - timedelta(days=1), assignees=[SALES2])
    b = tasks.add("cairo", title="cairo", due=T0 - timedelta(days=3),
                  assignees=["s.ahmed@cairo.test"])  # fmt: skip
    scan()
    delivery = Delivery.objects.get()
    assert (delivery.recipient, delivery.language, delivery.time_zone) == (
        "sara@portal.test", "ar", "Africa/Cairo",
    )  # fmt: skip
    assert steps(delivery) == [(b, "first"), (a, "first")]


def test_an_opt_out_under_the_site_address_holds_after_connecting(tasks, sites, email_channel):
    make_rule()
    OptOut.objects.create(address=SALES2, created_at=T0)
    sara = User.objects.create_user("sara", email="sara@portal.test")
    Connection.objects.create(user=sara, site=sites["riyadh"], site_user_id=SALES2)
    tasks.add("riyadh", title="riyadh", due=T0 - timedelta(days=1), assignees=[SALES2])
    scan()
    assert not Delivery.objects.exists()


def test_a_site_account_shared_by_two_portal_users_stays_the_site_users(
    tasks, sites, email_channel
):
    make_rule()
    for name in ("ops1", "ops2"):
        user = User.objects.create_user(name, email=f"{name}@portal.test")
        Connection.objects.create(user=user, site=sites["riyadh"], site_user_id=SALES2)
    tasks.add("riyadh", title="shared", due=T0 - timedelta(days=1), assignees=[SALES2])
    scan()
    assert Delivery.objects.get().recipient == SALES2


def test_a_lead_who_also_holds_the_task_reads_it_once_as_an_escalation(
    tasks, sites, email_channel, clocks
):
    from portal.notifications.services.messages import delivery_entries

    make_rule(escalate_after_hours=1)
    lina = make_lead(username="lina", email="lina@portal.test",
                     members=[site_user(sites["riyadh"], SALES1)])  # fmt: skip
    Connection.objects.create(user=lina, site=sites["riyadh"], site_user_id="lina@riyadh.test")
    task = tasks.add("riyadh", title="shared", due=T0 - timedelta(days=3),
                     assignees=[SALES1, "lina@riyadh.test"])  # fmt: skip
    scan()
    mine = Delivery.objects.get(recipient="lina@portal.test")
    assert sorted(steps(mine)) == [(task, "escalation"), (task, "first")]  # both in the ledger
    due, others, _, _ = delivery_entries(mine, clocks.now)
    assert [(e.task_id, e.step) for e in due] == [(task, DeliveryItem.ESCALATION)]
