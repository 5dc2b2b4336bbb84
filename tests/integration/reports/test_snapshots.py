"""Snapshots and rates on stand-in data with a set clock: open and overdue counts, aging
bands, completions and on-time rates, and the overdue switch never counted as a completion."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from portal import clock
from portal.reports.models import Completion, Snapshot
from portal.reports.services.figures import Filters, report_build
from portal.reports.services.snapshot import snapshot_take
from portal.sites.backends.frappe import site_status
from portal.sites.services.clients import client_for_service

pytestmark = pytest.mark.django_db
RIYADH = ZoneInfo("Asia/Riyadh")
S1, S2 = "sales1@reportsite.test", "sales2@reportsite.test"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=RIYADH)


def set_time(settings, tmp_path, handle, moment: datetime):
    """The portal's clock and the site's clock, both at `moment`."""
    settings.PORTAL_CLOCK_FILE = str(tmp_path / "clock.json")
    clock.set_clock(settings.PORTAL_CLOCK_FILE, frozen=moment)
    handle.control.set_clock(now=moment.isoformat())


def complete(site, task_id, status="done"):
    client = client_for_service(site)
    client.update_status(task_id, site_status(status, client.vocabulary()))


@pytest.fixture
def history(report_site, settings, tmp_path):
    """A week on the site: two tasks finished (one on time, one late), one cancelled, and
    four open tasks of which three are overdue by 2, 5 and 13 days on 2026-11-23 12:00."""
    site, handle = report_site
    set_time(settings, tmp_path, handle, at("2026-11-17 09:00"))
    ids = handle.control.insert_tasks([
        {"title": "Call the bank", "status": "Todo", "priority": "High",
         "start_date": "2026-11-15 09:00:00", "due_date": "2026-11-22 10:00:00", "assignees": [S1]},
        {"title": "اجتماع مع العميل", "status": "Todo", "priority": "Medium",
         "start_date": "2026-11-15 09:00:00", "due_date": "2026-11-18 12:00:00", "assignees": [S2]},
        {"title": "Old follow-up", "status": "late", "priority": "Low",
         "start_date": "2026-11-01 09:00:00", "due_date": "2026-11-10 09:00:00", "assignees": [S1]},
        {"title": "Next week", "status": "Todo", "priority": "Medium",
         "start_date": "2026-11-24 09:00:00", "due_date": "2026-11-30 09:00:00", "assignees": [S1]},
        {"title": "Finished early", "status": "Todo", "priority": "High",
         "start_date": "2026-11-16 09:00:00", "due_date": "2026-11-25 09:00:00", "assignees": [S1]},
        {"title": "Finished late", "status": "Todo", "priority": "Medium",
         "start_date": "2026-11-16 09:00:00", "due_date": "2026-11-20 09:00:00", "assignees": [S2]},
        {"title": "Dropped", "status": "Todo", "priority": "Low",
         "start_date": "2026-11-16 09:00:00", "assignees": [S2]},
    ])  # fmt: skip
    names = dict(
        zip(
            ["bank", "meeting", "old", "next", "early", "late", "dropped"],
            [str(i) for i in ids],  # as the portal holds them
            strict=True,
        )
    )
    set_time(settings, tmp_path, handle, at("2026-11-21 10:00"))
    complete(site, names["early"])
    set_time(settings, tmp_path, handle, at("2026-11-22 15:00"))
    complete(site, names["late"])
    complete(site, names["dropped"], "cancelled")
    set_time(settings, tmp_path, handle, at("2026-11-23 12:00"))
    return site, handle, names


def test_a_snapshot_counts_open_overdue_and_ages(history):
    site, handle, names = history
    snapshot = snapshot_take(site=site)
    assert snapshot.ok and snapshot.day == date(2026, 11, 23)
    assert (snapshot.open_total, snapshot.overdue_total) == (4, 3)
    assert snapshot.aging == {"1-3": 1, "4-7": 1, "8+": 1}
    assert snapshot.by_status == {"Todo": 3, "late": 1}
    assert [(t["id"], t["days"]) for t in snapshot.worst] == [
        (names["old"], 14),
        (names["meeting"], 5),
        (names["bank"], 2),
    ]
    people = {row.site_user_id: (row.open, row.overdue) for row in snapshot.assignees.all()}
    assert people == {S1: (3, 2), S2: (1, 1)}


def test_completions_and_on_time_rates_come_from_finished_tasks(history):
    site, handle, names = history
    snapshot_take(site=site)
    done = {c.task_id: (c.portal_status, c.on_time) for c in Completion.objects.all()}
    assert done == {
        names["early"]: ("done", True),
        names["late"]: ("done", False),
        names["dropped"]: ("cancelled", None),
    }
    report = report_build(Filters(sites=[site], since=date(2026, 11, 17), until=date(2026, 11, 23)))
    totals = report.totals
    assert (totals["done"], totals["cancelled"], totals["open"], totals["overdue"]) == (2, 1, 4, 3)
    assert totals["on_time_rate"] == 50.0
    assert totals["completion_rate"] == round(100 * 2 / 6, 1)
    people = {p.site_user_id: (p.open, p.overdue, p.done, p.done_on_time) for p in report.people}
    assert people == {S1: (3, 2, 1, 1), S2: (1, 1, 1, 0)}


def test_the_overdue_switch_is_never_a_completion_and_the_trend_follows_days(
    history, settings, tmp_path
):
    site, handle, names = history
    snapshot_take(site=site)
    set_time(settings, tmp_path, handle, at("2026-11-24 12:00"))
    switched = [str(n) for n in handle.control.run_late_switch()]
    assert names["bank"] in switched and names["meeting"] in switched
    complete(site, names["meeting"])
    second = snapshot_take(site=site)
    assert (second.open_total, second.overdue_total) == (3, 2)
    finished = set(Completion.objects.values_list("task_id", flat=True))
    assert names["bank"] not in finished and names["meeting"] in finished
    report = report_build(Filters(sites=[site], since=date(2026, 11, 22), until=date(2026, 11, 24)))
    assert report.trend == [
        (date(2026, 11, 22), None),
        (date(2026, 11, 23), 3),
        (date(2026, 11, 24), 2),
    ]


def test_a_team_view_counts_only_its_members(history):
    from portal.sites.models import SiteUser, Team

    site, handle, names = history
    snapshot_take(site=site)
    team = Team.objects.create(name="Sales two")
    team.members.add(SiteUser.objects.get(site=site, user_id=S2))
    report = report_build(
        Filters(sites=[site], since=date(2026, 11, 17), until=date(2026, 11, 23), team=team)
    )
    assert (report.totals["open"], report.totals["overdue"], report.totals["done"]) == (1, 1, 1)
    assert report.sites[0].aging == {"1-3": 0, "4-7": 1, "8+": 0}
    assert [t["id"] for t in report.worst] == [names["meeting"]]


def test_a_failing_site_is_recorded_without_stopping(history):
    site, handle, names = history
    handle.control.set_faults([{"kind": "error", "status": 503}])
    snapshot = snapshot_take(site=site)
    handle.control.clear_faults()
    assert not snapshot.ok and snapshot.error
    assert Snapshot.objects.filter(ok=False).count() == 1
