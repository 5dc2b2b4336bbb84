"""The ledger's bookkeeping without a worker: the sweeper's three cases, a lost site scan, a late
worker correcting "unknown", retention."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.notifications.models import (
    Delivery,
    ReminderState,
    ScanRun,
    SiteScan,
    TaskTransition,
    WatchedTask,
)
from portal.notifications.services import ledger, runs
from tests.integration.notifications.conftest import T0, make_rule

pytestmark = pytest.mark.django_db
SALES1 = "sales1@riyadh.test"


@pytest.fixture
def enqueued(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr(
        ledger, "deliveries_enqueue", lambda *, delivery_ids: ids.extend(delivery_ids)
    )
    return ids


@pytest.fixture
def delivery(tasks, sites, email_channel, enqueued) -> Delivery:
    make_rule()
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])
    runs.scan_run_inline(run=runs.scan_run_start(trigger="test"))
    return Delivery.objects.get()


def test_a_claim_that_expired_before_sending_is_released_and_requeued(delivery, clocks, enqueued):
    assert ledger.delivery_claim(delivery_id=delivery.pk, token="w1")
    clocks.advance(seconds=299)
    assert ledger.ledger_sweep()["released"] == 0
    clocks.advance(seconds=2)
    assert ledger.ledger_sweep() == {"released": 1, "unknown": 0, "enqueued": 1}
    delivery.refresh_from_db()
    assert delivery.status == "pending" and enqueued[-1] == delivery.pk
    assert not ledger.delivery_mark_sending(delivery_id=delivery.pk, token="w1")  # lost claim


def test_a_send_in_progress_when_the_claim_expired_is_outcome_unknown(delivery, clocks):
    ledger.delivery_claim(delivery_id=delivery.pk, token="w1")
    ledger.delivery_mark_sending(delivery_id=delivery.pk, token="w1")
    clocks.advance(seconds=301)
    assert ledger.ledger_sweep()["unknown"] == 1
    delivery.refresh_from_db()
    assert delivery.status == "unknown" and delivery.replayable
    # The slow worker comes back with the truth: it was sent.
    assert ledger.delivery_mark_sent(delivery_id=delivery.pk, token="w1", channel=None)
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_pending_deliveries_never_enqueued_or_lost_in_the_broker_are_requeued(
    delivery, clocks, enqueued
):
    Delivery.objects.filter(pk=delivery.pk).update(enqueued_at=None)
    assert ledger.ledger_sweep()["enqueued"] == 1
    assert ledger.ledger_sweep()["enqueued"] == 0  # just handed over: not again at once
    clocks.advance(seconds=301)
    assert ledger.ledger_sweep()["enqueued"] == 1  # handed over long ago and still pending


def test_a_site_scan_whose_worker_vanished_fails_after_the_deadline_and_the_run_is_planned(
    tasks, sites, email_channel, clocks, enqueued
):
    make_rule()
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1), assignees=[SALES1])
    run = runs.scan_run_start(trigger="test")
    riyadh, cairo = (SiteScan.objects.get(run=run, site=sites[n]) for n in ("riyadh", "cairo"))
    assert runs.site_scan_execute(site_scan_id=riyadh.pk) is False  # Cairo's is still queued
    assert runs.scan_runs_sweep() == []  # before the deadline: wait

    clocks.set(run.deadline + timedelta(seconds=1))
    assert runs.scan_runs_sweep() == [run.pk]
    cairo.refresh_from_db()
    assert cairo.status == "failed" and "did not finish in time" in cairo.error
    planned = runs.scan_run_plan(run_id=run.pk)
    assert [p.recipient.address for p in planned] == [SALES1]
    assert runs.scan_run_plan(run_id=run.pk) == []  # planned once
    assert ScanRun.objects.get(pk=run.pk).deliveries_planned == 1


def test_retention_removes_old_finished_rows_and_keeps_what_is_still_watched(
    delivery, clocks, settings
):
    settings.NOTIFY_RETENTION_DAYS = 30
    Delivery.objects.update(status="sent")
    TaskTransition.objects.create(site=delivery.items.get().site, task_id=1, status="Done",
                                  portal_status="done", at=T0, source="webhook")  # fmt: skip
    clocks.advance(days=31)
    purged = ledger.ledger_purge()
    assert purged["deliveries"] >= 1 and not Delivery.objects.exists()
    # The task is still overdue: its reminder state stays, so no "first" reminder again.
    assert ReminderState.objects.count() == 1 and purged["states"] == 0
    WatchedTask.objects.all().delete()
    assert ledger.ledger_purge()["states"] == 1


def test_reports_count_task_reminders_and_escalations_sent_per_site(
    tasks, sites, email_channel, clocks, enqueued
):
    from portal.notifications.selectors import reminder_counts_for_sites
    from tests.integration.notifications.conftest import make_lead, site_user

    make_rule(escalate_after_hours=1)
    make_lead(username="lina", email="lina@portal.test",
              members=[site_user(sites["riyadh"], SALES1)])  # fmt: skip
    tasks.add("riyadh", title="a", due=T0 - timedelta(days=1), assignees=[SALES1])
    tasks.add("riyadh", title="b", due=T0 - timedelta(days=2), assignees=[SALES1])
    tasks.add("cairo", title="c", due=T0 - timedelta(days=1), assignees=[SALES1])
    runs.scan_run_inline(run=runs.scan_run_start(trigger="test"))
    Delivery.objects.update(status="sent", sent_at=T0)

    counts = reminder_counts_for_sites(
        site_ids=[sites["riyadh"].pk, sites["cairo"].pk], since=T0, until=T0 + timedelta(days=1)
    )
    assert counts == {
        sites["riyadh"].pk: {"sent": 2, "escalations": 2},
        sites["cairo"].pk: {"sent": 1, "escalations": 0},
    }
    assert reminder_counts_for_sites(site_ids=[sites["riyadh"].pk], since=T0 + timedelta(days=1),
                                     until=T0 + timedelta(days=2)) == {}  # fmt: skip


def test_a_teams_report_counts_only_reminders_of_its_members_tasks(
    tasks, sites, email_channel, clocks, enqueued
):
    from portal.notifications.selectors import reminder_counts_for_sites

    make_rule()
    tasks.add("riyadh", title="a", due=T0 - timedelta(days=1), assignees=[SALES1])
    tasks.add("riyadh", title="b", due=T0 - timedelta(days=2), assignees=["other@riyadh.test"])
    tasks.add("riyadh", title="c", due=T0 - timedelta(days=3))  # nobody's
    runs.scan_run_inline(run=runs.scan_run_start(trigger="test"))
    Delivery.objects.update(status="sent", sent_at=T0)
    riyadh = sites["riyadh"].pk

    def count(members):
        found = reminder_counts_for_sites(
            site_ids=[riyadh], since=T0, until=T0 + timedelta(days=1), members=members
        )
        return found.get(riyadh, {}).get("sent", 0)

    assert count({riyadh: {SALES1}}) == 1
    assert count({riyadh: {SALES1, "other@riyadh.test"}}) == 2
    assert count({riyadh: {""}}) == 0  # the rule reminds assignees: nobody's task had no one
    assert count({}) == 0 and count(None) == 2
