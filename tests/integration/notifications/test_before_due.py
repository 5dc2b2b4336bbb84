"""Reminders before the due time, from real scans of stand-in sites: a day and an hour ahead,
held by the recipient's quiet hours in their zone (and sent when they end, not dropped), never
twice for the same task and step, and not for a task finished meanwhile."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import translation

from portal.notifications.models import Delivery, DeliveryItem, WatchedTask
from portal.notifications.services import ledger
from portal.notifications.services.messages import message_render
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.sites.services.clients import client_for_service
from tests.integration.notifications.conftest import T0, make_rule, site_user

pytestmark = pytest.mark.django_db
SALES1 = "sales1@riyadh.test"


def scan():
    return scan_run_inline(run=scan_run_start(trigger="test"))


def labels(task_id: str) -> list[str]:
    return [i.step_label for i in DeliveryItem.objects.filter(task_id=task_id).order_by("id")]


@pytest.fixture
def enqueued(monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr(
        ledger, "deliveries_enqueue", lambda *, delivery_ids: sent.extend(delivery_ids)
    )
    return sent


def test_a_day_and_an_hour_before_the_due_time_once_each(tasks, sites, email_channel, clocks):
    make_rule(buckets="soon", before_due_minutes=[1440, 60])
    due = T0 + timedelta(days=2)
    task = tasks.add("riyadh", title="Call the buyer", due=due, assignees=[SALES1])

    assert scan() == []  # two days ahead: nothing yet
    clocks.set(due - timedelta(hours=23, minutes=55))
    assert [i.step for p in scan() for i in p.items] == [-10000 - 1440]
    assert scan() == []  # a second scan sends nothing new
    clocks.set(due - timedelta(hours=5))
    assert scan() == []
    clocks.set(due - timedelta(minutes=58))
    assert len(scan()) == 1
    clocks.set(due - timedelta(minutes=20))
    assert scan() == []
    assert labels(task) == ["before due 1440 min", "before due 60 min"]
    # Started before today by now: in the late bucket, and reminded before its due time all
    # the same.
    assert WatchedTask.objects.get(task_id=task).bucket == "late"


def test_before_due_reminders_do_not_repeat_the_overdue_ones_of_the_same_rule(
    tasks, sites, email_channel, clocks
):
    make_rule(before_due_minutes=[60], repeat_every_hours=0)
    due = T0 + timedelta(minutes=30)
    task = tasks.add("riyadh", title="Soon", due=due, assignees=[SALES1])
    scan()
    clocks.set(due + timedelta(minutes=5))
    scan()
    scan()
    assert labels(task) == ["before due 60 min", "first"]


def test_quiet_hours_in_the_recipients_zone_defer_a_before_due_reminder_not_drop_it(
    tasks, sites, email_channel, clocks, enqueued
):
    make_rule(buckets="soon", before_due_minutes=[1440], quiet_start=time(22),
              quiet_end=time(7))  # fmt: skip
    site_user(sites["riyadh"], SALES1, time_zone="Asia/Riyadh")
    clocks.set(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # 23:00 in Riyadh
    due = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)  # due in 23.5 hours
    tasks.add("riyadh", title="Tomorrow evening", due=due, assignees=[SALES1])

    scan()

    held = Delivery.objects.get()
    opens = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 07:00 in Riyadh
    assert held.send_after == opens and held.status == "pending" and held.held_reason
    assert held.time_zone == "Asia/Riyadh"
    assert ledger.ledger_sweep()["enqueued"] == 0
    assert scan() == []  # held, not planned again
    clocks.set(opens)
    assert ledger.ledger_sweep()["enqueued"] == 1 and enqueued == [held.pk]
    message = message_render(held)
    assert message is not None and "Due soon: Tomorrow evening" in message.subject
    assert "due in 15\xa0hours, 30\xa0minutes" in message.text
    assert "reminder 1 day before the due time" in message.text
    assert "/notifications/act/" in message.text


def test_a_task_finished_meanwhile_gets_no_before_due_reminder(tasks, sites, email_channel, clocks):
    make_rule(buckets="soon", before_due_minutes=[1440, 60])
    due = T0 + timedelta(hours=20)
    task = tasks.add("riyadh", title="Done early", due=due, assignees=[SALES1])
    assert len(scan()) == 1  # the day's reminder

    client_for_service(sites["riyadh"]).update_status(task, "Done")
    clocks.set(due - timedelta(minutes=30))
    assert scan() == []
    assert labels(task) == ["before due 1440 min"]
    assert not WatchedTask.objects.filter(task_id=task).exists()


def test_a_held_before_due_reminder_of_a_task_finished_meanwhile_is_not_sent(
    tasks, sites, email_channel, clocks
):
    make_rule(buckets="soon", before_due_minutes=[1440], quiet_start=time(22),
              quiet_end=time(7))  # fmt: skip
    site_user(sites["riyadh"], SALES1, time_zone="Asia/Riyadh")
    clocks.set(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))
    task = tasks.add("riyadh", title="Finished at night", due=clocks.now + timedelta(hours=20),
                     assignees=[SALES1])  # fmt: skip
    scan()
    held = Delivery.objects.get()

    client_for_service(sites["riyadh"]).update_status(task, "Done")
    scan()

    assert message_render(held) is None  # nothing open left in it: the sender drops it


def test_the_before_due_message_reads_in_arabic(tasks, sites, email_channel, clocks):
    make_rule(buckets="soon", before_due_minutes=[60], language="ar")
    site_user(sites["riyadh"], SALES1, language="ar")
    tasks.add("riyadh", title="اتصال", due=T0 + timedelta(minutes=45), assignees=[SALES1])
    scan()
    delivery = Delivery.objects.get()
    assert delivery.language == "ar"
    message = message_render(delivery)
    assert message is not None
    assert "يحين موعد استحقاقها قريبًا: اتصال" in message.subject
    assert "تذكير قبل موعد الاستحقاق بساعة واحدة" in message.text
    assert "هذه المهام يحين موعد استحقاقها قريبًا:" in message.text
    with translation.override("ar"):
        assert 'dir="rtl"' in message.html


def test_a_late_task_keeps_its_lateness_wording_though_its_due_date_is_ahead(
    tasks, sites, email_channel, clocks
):
    make_rule(buckets="late")
    tasks.add("riyadh", title="Started last week", start=T0 - timedelta(days=7),
              due=T0 + timedelta(days=20), assignees=[SALES1])  # fmt: skip
    scan()
    message = message_render(Delivery.objects.get())
    assert message is not None and not message.subject.startswith("Due soon")
    assert "overdue for" in message.text and "due in" not in message.text
