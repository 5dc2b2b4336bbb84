"""Reminders through real Celery worker processes (Redis with REDIS_URL, else the embedded
broker), a real SMTP server and a local HTTP server for Slack and webhooks, with the portal clock
set through its file (which the workers read) and the stand-ins' clocks moved with it.

Includes the killed-worker cases: a worker killed before the send (nothing lost, sent once by
another worker after the sweeper requeues it), between the channel accepting and the ledger
recording ("outcome unknown", replayed by a person with the same Idempotency-Key), and after
the send (nothing sent again)."""

from __future__ import annotations

import time as systime
from datetime import UTC, datetime, time, timedelta

import pytest
from django.conf import settings

from portal.notifications.models import Channel, Delivery, ScanRun, SiteScan
from portal.notifications.services.ledger import delivery_replay, ledger_sweep
from portal.notifications.tasks import scan_all, send_delivery, sweep
from portal.sites.models import ServiceCredential, Site
from tests.integration.notifications.conftest import T0, make_lead, make_rule, site_user
from tests.integration.notifications.servers import Reply, free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
SALES1 = "sales1@riyadh.test"
BUSY = ("pending", "claimed", "sending", "retry")


def wait_until(predicate, *, timeout: float = 90, what: str = "condition"):
    deadline = systime.monotonic() + timeout
    while systime.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        systime.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def run_scan() -> ScanRun:
    """Beat's message, consumed by the worker: scan every site, plan, send."""
    known = set(ScanRun.objects.values_list("pk", flat=True))
    scan_all.apply_async(queue=settings.NOTIFY_QUEUE)
    run = wait_until(
        lambda: ScanRun.objects.exclude(pk__in=known).filter(finished_at__isnull=False).first(),
        what="the scan run to be planned",
    )
    wait_until(
        lambda: not Delivery.objects.filter(status__in=BUSY, send_after__lte=run.now).exists(),
        what="every due delivery to be settled",
    )
    return run


def run_sweep() -> None:
    sweep.apply_async(queue=settings.NOTIFY_QUEUE)


@pytest.fixture
def hook(receiver):
    config = {"url": receiver.url + "/hook", "secret": "s"}
    return Channel.objects.create(name="CRM hook", kind="webhook", config=config)


@pytest.fixture
def slack(receiver):
    config = {"mode": "webhook", "url": receiver.url + "/slack/hook"}
    return Channel.objects.create(name="Slack #sales", kind="slack", config=config)


def test_a_worker_scans_plans_and_sends_each_reminder_once_then_repeats_and_escalates(
    tasks, sites, email_channel, hook, slack, mailbox, receiver, clocks, notify_worker
):
    make_rule(broadcast_channels=[hook, slack], repeat_every_hours=24, max_repeats=1,
              escalate_after_hours=48)  # fmt: skip
    make_lead(username="lina", email="lina@portal.test",
              members=[site_user(sites["riyadh"], SALES1)])  # fmt: skip
    tasks.add("riyadh", title="Riyadh task", due=T0 - timedelta(hours=30), assignees=[SALES1])
    tasks.add("cairo", title="Cairo task", due=T0 - timedelta(hours=20), assignees=[SALES1])
    notify_worker()

    run_scan()

    [digest] = mailbox.to(SALES1)
    body = digest.part("text/plain")
    assert body.index("Riyadh task") < body.index("Cairo task")  # most overdue first
    assert len(receiver.to("/hook")) == 1 and len(receiver.to("/slack/hook")) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}

    run_scan()  # a second scan in a row sends nothing new
    assert len(mailbox.mails) == 1 and len(receiver.to("/hook")) == 1
    assert Delivery.objects.count() == 3

    clocks.advance(hours=24)
    run_scan()  # repeat 1 for every recipient, and the Riyadh task passed 48 h: escalation
    assert len(mailbox.to(SALES1)) == 2 and "repeat 1" in mailbox.to(SALES1)[1].part("text/plain")
    [escalation] = mailbox.to("lina@portal.test")
    assert "Escalation" in escalation.message["Subject"]
    assert "Riyadh task" in escalation.part("text/plain")
    assert "Cairo task" not in escalation.part("text/plain")

    clocks.advance(hours=24)
    run_scan()  # one repeat at most, one escalation (Lina leads the Riyadh site user only)
    assert len(mailbox.to(SALES1)) == 2
    assert len(mailbox.to("lina@portal.test")) == 1
    assert len(receiver.to("/hook")) == 2


def test_quiet_hours_hold_in_the_worker_until_the_sweeper_finds_the_window_open(
    tasks, sites, email_channel, mailbox, clocks, notify_worker
):
    make_rule(quiet_start=time(22), quiet_end=time(7))
    site_user(sites["riyadh"], SALES1, time_zone="Asia/Riyadh")
    clocks.set(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # 23:00 in Riyadh
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])
    notify_worker()

    run_scan()
    held = Delivery.objects.get()
    assert held.status == "pending" and held.send_after == datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
    assert ledger_sweep()["enqueued"] == 0  # the same clock file: still quiet in Riyadh
    assert mailbox.mails == []

    clocks.set(held.send_after)
    run_sweep()
    wait_until(lambda: mailbox.to(SALES1), what="the held reminder")
    held.refresh_from_db()
    assert held.status == "sent"


def test_a_worker_killed_before_sending_loses_nothing_and_another_sends_once(
    tasks, sites, email_channel, receiver, clocks, notify_worker
):
    bot = Channel.objects.create(name="Slack bot", kind="slack",
                                 config={"mode": "bot", "token": "xoxb-t"})  # fmt: skip
    make_rule(person_channel=bot)
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])
    # Finding the person is a look-up that sends nothing; the worker dies while doing it.
    receiver.script("/slack/api/users.lookupByEmail", Reply(hang=True))
    first = notify_worker()
    scan_all.apply_async(queue=settings.NOTIFY_QUEUE)
    receiver.wait_for("/slack/api/users.lookupByEmail", timeout=90)
    first.kill()
    delivery = Delivery.objects.get()
    assert delivery.status == "claimed"

    clocks.advance(seconds=settings.NOTIFY_CLAIM_SECONDS + 1)  # the claim expires
    notify_worker()
    run_sweep()

    wait_until(lambda: Delivery.objects.get().status == "sent", what="the requeued delivery")
    assert len(receiver.to("/slack/api/chat.postMessage")) == 1
    assert Delivery.objects.get().attempts == 2


def test_a_worker_killed_after_the_channel_took_it_ends_unknown_and_a_replay_keeps_the_key(
    tasks, sites, email_channel, hook, receiver, clocks, notify_worker
):
    make_rule(assignees=False, broadcast_channels=[hook])
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1))
    receiver.script("/hook", Reply(hang=True))  # the receiver has it; its answer never comes
    first = notify_worker()
    scan_all.apply_async(queue=settings.NOTIFY_QUEUE)
    [taken] = receiver.wait_for("/hook", timeout=90)
    first.kill()
    assert Delivery.objects.get().status == "sending"

    clocks.advance(seconds=settings.NOTIFY_CLAIM_SECONDS + 1)
    notify_worker()
    run_sweep()
    delivery = wait_until(
        lambda: Delivery.objects.filter(status="unknown").first(), what="outcome unknown"
    )
    assert "may or may not have gone out" in delivery.last_error
    assert len(receiver.to("/hook")) == 1  # not sent again by itself

    assert delivery_replay(delivery=delivery)  # a person decides (on_commit: enqueued now)
    wait_until(lambda: Delivery.objects.get().status == "sent", what="the replay")
    again = receiver.to("/hook")[1]
    assert again.headers["Idempotency-Key"] == taken.headers["Idempotency-Key"] == delivery.key


def test_a_worker_killed_after_recording_the_send_causes_no_second_send(
    tasks, sites, email_channel, mailbox, clocks, notify_worker
):
    make_rule()
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])
    first = notify_worker()
    run_scan()
    first.kill()
    clocks.advance(seconds=settings.NOTIFY_CLAIM_SECONDS + 1)
    notify_worker()
    run_sweep()
    run_scan()
    assert len(mailbox.to(SALES1)) == 1 and Delivery.objects.get().status == "sent"


def test_two_worker_processes_handed_the_same_delivery_send_it_once(
    tasks, sites, email_channel, hook, receiver, clocks, notify_worker
):
    make_rule(assignees=False, broadcast_channels=[hook])
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1))
    from portal.notifications.services import ledger

    # Plan without sending: the deliveries wait until both workers are up.
    original = ledger.deliveries_enqueue
    ledger.deliveries_enqueue = lambda *, delivery_ids: None
    try:
        from portal.notifications.services.runs import scan_run_inline, scan_run_start

        scan_run_inline(run=scan_run_start(trigger="test"))
    finally:
        ledger.deliveries_enqueue = original
    delivery = Delivery.objects.get()
    workers = [notify_worker(), notify_worker()]
    for _ in range(6):
        send_delivery.apply_async(args=[delivery.pk], queue=settings.NOTIFY_QUEUE)

    def handled() -> int:
        return sum(w.output().count("send_delivery[") // 2 for w in workers)  # received + done

    wait_until(lambda: handled() >= 6, what="all six messages to be handled")
    assert Delivery.objects.get().status == "sent"
    assert len(receiver.to("/hook")) == 1


def test_a_failing_site_is_recorded_and_the_others_are_reminded(
    tasks, sites, email_channel, mailbox, notify_worker
):
    down = Site.objects.create(name="Down", base_url=f"http://127.0.0.1:{free_port()}",
                               client_id="c", time_zone="UTC", flavour="deployed")  # fmt: skip
    ServiceCredential.objects.create(site=down, kind="api_key", api_key="k", api_secret="s")
    make_rule()
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])
    notify_worker()

    run = run_scan()

    scans = {s.site.name: s for s in SiteScan.objects.filter(run=run).select_related("site")}
    assert scans["Down"].status == "failed" and "Could not connect" in scans["Down"].error
    assert scans["Riyadh"].status == scans["Cairo"].status == "ok"
    assert len(mailbox.to(SALES1)) == 1
