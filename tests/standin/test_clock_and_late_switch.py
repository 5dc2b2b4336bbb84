"""The site's clock (real, frozen, offset, settable at run time) and the periodic
switch of overdue tasks to `late`."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tests.standin.conftest import mobile


def test_a_frozen_clock_sets_today_for_defaults_and_buckets(site, sales):
    site.control.set_clock(now="2026-03-01T23:30:00Z")
    created = sales.post(mobile(site, "create_task"), json={"task_type": "call"}).json()
    assert created["message"]["start_date"] == "2026-03-01"
    assert created["message"]["creation"].startswith("2026-03-01 23:30:00")
    today = sales.get(mobile(site, "home_tasks")).json()["message"]["today"]
    assert [t["name"] for t in today] == [created["message"]["name"]]


def test_the_site_zone_moves_today_but_not_stored_values(site, sales):
    site.control.set_clock(now="2026-11-23T17:20:00Z")
    made = sales.post(
        mobile(site, "create_task"), json={"task_type": "call", "start_date": "2026-11-24 00:30:00"}
    ).json()
    name = made["message"]["name"]
    assert sales.get(mobile(site, "home_tasks")).json()["message"]["today"] == []
    site.control.site_config(time_zone="Asia/Tokyo")  # 02:20 on the 24th there
    today = sales.get(mobile(site, "home_tasks")).json()["message"]["today"]
    assert [t["name"] for t in today] == [name]
    assert site.control.task(name)["start_date"] == "2026-11-24 00:30:00"


def test_an_offset_shifts_a_real_clock_and_advance_moves_a_frozen_one(site):
    state = site.control.set_clock(mode="real", offset_seconds=86400)
    shifted = datetime.fromisoformat(state["now"])
    assert 86390 < (shifted - datetime.now(UTC)).total_seconds() < 86410
    site.control.set_clock(mode="frozen", now="2026-01-01T00:00:00Z", offset_seconds=0)
    state = site.control.set_clock(advance_seconds=90)
    assert datetime.fromisoformat(state["now"]) == datetime(2026, 1, 1, 0, 1, 30, tzinfo=UTC)
    time.sleep(0.05)
    assert site.control.clock()["now"] == state["now"], "a frozen clock does not move"


def test_the_late_switch_is_a_raw_update_of_open_overdue_tasks(site):
    site.control.set_clock(now="2026-11-23T12:00:00Z")
    ids = site.control.insert_tasks(
        [
            {
                "title": "overdue",
                "status": "Todo",
                "due_date": "2026-11-23 11:00:00",
                "modified": "2026-11-20 10:00:00.000000",
            },
            {"title": "done", "status": "Done", "due_date": "2026-11-23 11:00:00"},
            {"title": "later", "status": "Todo", "due_date": "2026-11-23 13:00:00"},
            {"title": "no due", "status": "In Progress"},
            {"title": "cancelled", "status": "Canceled", "due_date": "2026-11-23 11:00:00"},
        ]
    )
    # Only Done is spared: a real site's job switches an overdue Canceled task too.
    assert site.control.run_late_switch() == [ids[0], ids[4]]
    overdue = site.control.task(ids[0])
    assert overdue["status"] == "late"
    assert overdue["modified"] == "2026-11-20 10:00:00.000000", "modified is unchanged"
    assert [site.control.task(i)["status"] for i in ids[1:4]] == ["Done", "Todo", "In Progress"]
    site.control.set_clock(advance_seconds=3600 * 2)
    assert site.control.run_late_switch() == [ids[2]]


def test_the_late_switch_compares_with_now_in_the_site_zone(site):
    site.control.set_clock(now="2026-11-23T17:20:00Z")
    [name] = site.control.insert_tasks([{"status": "Todo", "due_date": "2026-11-24 01:00:00"}])
    assert site.control.run_late_switch() == []
    site.control.site_config(time_zone="Asia/Tokyo")
    assert site.control.run_late_switch() == [name]


def test_the_periodic_switch_runs_by_itself_when_enabled(site):
    [name] = site.control.insert_tasks([{"status": "Backlog", "due_date": "2026-11-20 09:00:00"}])
    site.control.set_late_switch(True, interval_seconds=0.05)
    deadline = time.monotonic() + 5
    while site.control.task(name)["status"] != "late" and time.monotonic() < deadline:
        time.sleep(0.02)
    site.control.set_late_switch(False)
    assert site.control.task(name)["status"] == "late"


def test_the_switch_sends_no_webhook_and_is_off_by_default(site):
    assert site.control.call("GET", "/late-switch")["enabled"] is False
    [name] = site.control.insert_tasks([{"status": "Todo", "due_date": "2026-11-20 09:00:00"}])
    site.control.run_late_switch()
    assert site.control.task(name)["status"] == "late"
    assert site.control.webhook_deliveries() == []


def test_an_overdue_task_saved_with_any_status_but_done_comes_back_late(site, sales):
    """The validate hook of a real site: 200, and the answer says `late` [second site]."""
    site.control.set_clock(now="2026-11-23T12:00:00Z")
    [name] = site.control.insert_tasks([{"status": "late", "due_date": "2026-11-22 17:00:00"}])
    for wanted in ("In Progress", "Todo", "Canceled", "Backlog"):
        answer = sales.post(mobile(site, "update_status"), json={"task_id": name, "status": wanted})
        assert answer.status_code == 200
        assert answer.json()["message"]["status"] == "late", wanted
        edited = sales.post(mobile(site, "edit_task"), json={"task_id": name, "status": wanted})
        assert edited.status_code == 200
        assert edited.json()["message"]["status"] == "late", wanted
        assert site.control.task(name)["status"] == "late"
    done = sales.post(mobile(site, "update_status"), json={"task_id": name, "status": "Done"})
    assert done.json()["message"]["status"] == "Done"
    assert site.control.task(name)["status"] == "Done"


def test_an_overdue_task_moved_to_a_later_due_date_keeps_the_status_asked_for(site, sales):
    site.control.set_clock(now="2026-11-23T12:00:00Z")
    [name] = site.control.insert_tasks([{"status": "late", "due_date": "2026-11-22 17:00:00"}])
    answer = sales.post(
        mobile(site, "edit_task"),
        json={"task_id": name, "status": "In Progress", "due_date": "2026-11-24 17:00:00"},
    )
    assert answer.json()["message"]["status"] == "In Progress"
    assert site.control.task(name)["status"] == "In Progress"
