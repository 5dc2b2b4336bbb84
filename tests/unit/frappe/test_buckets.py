"""The portal's one bucket definition, on the edges (contract: "Buckets in the portal")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from portal.sites.backends.frappe import (
    Vocabulary,
    bucket,
    portal_status,
    site_status,
    site_statuses,
)
from portal.sites.backends.frappe.client.parse import parse_task

from .recordings import body_of

TOKYO = ZoneInfo("Asia/Tokyo")
UTC = ZoneInfo("UTC")
DEPLOYED = Vocabulary(("Todo", "Backlog", "In Progress", "Done", "Canceled", "late"), (), ())
DOCUMENTED = Vocabulary(("Open", "In Progress", "Completed", "Cancelled"), (), ())


def task(status="Todo", start=None, due=None, zone=TOKYO):
    raw = {"name": 1, "status": status, "start_date": start, "due_date": due}
    return parse_task(raw, zone=zone, site=None)


def at(text: str, zone=TOKYO) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


# 02:20 on 2026-11-24 in Tokyo is 17:20 UTC on the 23rd [240-244].
NOW = datetime(2026, 11, 23, 17, 20, tzinfo=UTC)


def test_due_date_passed_is_overdue():
    assert bucket(task(start="2026-11-24 00:30:00", due="2026-11-24 01:00:00"), NOW) == "overdue"


def test_site_status_late_is_overdue_even_without_a_due_date():
    assert bucket(task(status="late", start="2026-11-25 09:00:00"), NOW) == "overdue"


def test_started_before_today_in_the_site_zone_is_late():
    # 23:30 on the 23rd in Tokyo is yesterday there, though it is still the 23rd in UTC.
    assert bucket(task(start="2026-11-23 23:30:00", due="2026-11-29 12:00:00"), NOW) == "late"


def test_starting_just_after_midnight_site_time_is_today():
    assert bucket(task(start="2026-11-24 00:00:00"), NOW) == "today"


def test_starting_late_tonight_site_time_is_today():
    assert bucket(task(start="2026-11-24 23:59:59"), NOW) == "today"


def test_starting_tomorrow_site_time_is_upcoming():
    assert bucket(task(start="2026-11-25 00:00:00"), NOW) == "upcoming"


def test_due_later_today_is_not_overdue_yet():
    assert bucket(task(start="2026-11-24 08:00:00", due="2026-11-24 23:30:00"), NOW) == "today"


def test_due_exactly_now_is_not_overdue():
    assert bucket(task(start="2026-11-24 00:00:00", due="2026-11-24 02:20:00"), NOW) == "today"


@pytest.mark.parametrize("status", ["Done", "Canceled", "Completed", "Cancelled"])
def test_a_finished_task_is_never_overdue_late_or_upcoming(status):
    for start in ("2026-11-20 09:00:00", "2026-11-28 09:00:00"):
        assert bucket(task(status=status, start=start, due="2026-11-21 09:00:00"), NOW) is None


def test_a_finished_task_starting_today_is_still_in_today():
    assert bucket(task(status="Done", start="2026-11-24 09:00:00"), NOW) == "today"


def test_no_start_and_no_due_date_has_no_bucket():
    assert bucket(task(), NOW) is None


def test_no_start_but_due_passed_is_overdue():
    assert bucket(task(due="2026-11-20 09:00:00"), NOW) == "overdue"


def test_in_progress_counts_as_open():
    assert bucket(task(status="In Progress", start="2026-11-22 09:00:00"), NOW) == "late"


def test_now_must_be_aware():
    with pytest.raises(ValueError):
        bucket(task(), datetime(2026, 11, 23, 17, 20))


def test_recorded_late_bucket_and_overdue_do_not_overlap():
    # Every task of the site's late bucket [230] is "late" for the portal, none "overdue".
    now = datetime(2026, 11, 23, 17, 9, 43, tzinfo=UTC)
    late = [parse_task(r, zone=UTC, site=None) for r in body_of("230")["message"]["late"]]
    overdue = [parse_task(r, zone=UTC, site=None) for r in body_of("232")["data"]]
    assert {bucket(t, now) for t in late} == {"late"}
    assert {bucket(t, now) for t in overdue} == {"overdue"}


@pytest.mark.parametrize(
    ("site_value", "portal"),
    [
        ("Backlog", "open"), ("Todo", "open"), ("Open", "open"), ("late", "open"),
        ("In Progress", "in_progress"), ("Done", "done"), ("Completed", "done"),
        ("Canceled", "cancelled"), ("Cancelled", "cancelled"), ("Closed", "done"), ("", "open"),
    ],
)  # fmt: skip
def test_portal_status(site_value, portal):
    assert portal_status(site_value) == portal


def test_site_status_per_vocabulary():
    assert [site_status(p, DEPLOYED) for p in ("open", "done", "cancelled")] == [
        "Todo",
        "Done",
        "Canceled",
    ]
    assert site_status("done", DOCUMENTED) == "Completed"


def test_site_status_never_writes_late():
    assert site_status("open", Vocabulary(("late", "Backlog"), (), ())) == "Backlog"


def test_site_statuses_for_filters_include_late():
    assert site_statuses(["open"], DEPLOYED) == ["Todo", "Backlog", "late"]


def test_a_status_the_site_lacks():
    with pytest.raises(ValueError):
        site_status("cancelled", Vocabulary(("Open", "Done"), (), ()))
