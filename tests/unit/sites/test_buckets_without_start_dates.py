"""Buckets on a site that keeps a plain due date and no start (Django-CRM)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from portal.sites.backends.types import Task
from portal.sites.buckets import bucket, overdue_days

RIYADH = ZoneInfo("Asia/Riyadh")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 12:00 on the 24th in Riyadh


def due_on(day: int, status: str = "New", portal: str = "open") -> Task:
    return Task(
        id="6f1c", title="t", description=None, status=status, portal_status=portal,
        priority="High", task_type=None, start_date=None,
        due_date=datetime(2026, 11, day + 1, tzinfo=RIYADH),  # 00:00 of the day after
        assignees=(), modified=None, creation=None, owner=None, time_zone="Asia/Riyadh",
        due_is_day=True,
    )  # fmt: skip


def test_an_open_task_due_yesterday_is_overdue_and_never_late():
    assert bucket(due_on(23), NOW) == "overdue"
    assert overdue_days(due_on(23), NOW) == 1


def test_due_today_is_today_open_or_finished():
    assert bucket(due_on(24), NOW) == "today"
    assert bucket(due_on(24, "Completed", "done"), NOW) == "today"


def test_due_later_is_upcoming_and_a_finished_past_task_is_in_no_bucket():
    assert bucket(due_on(25), NOW) == "upcoming"
    assert bucket(due_on(23, "Completed", "done"), NOW) is None


def test_the_due_day_ends_at_midnight_on_the_sites_calendar():
    just_before = datetime(2026, 11, 24, 20, 59, tzinfo=UTC)  # 23:59 in Riyadh
    just_after = datetime(2026, 11, 24, 21, 1, tzinfo=UTC)  # 00:01 on the 25th
    assert bucket(due_on(24), just_before) == "today"
    assert bucket(due_on(24), just_after) == "overdue"
