"""The calendar's weeks (whole weeks from the language's first weekday, month boundaries) and
the due-day range of the portal's query (a plain due day is the day before its moment)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import translation

from portal.sites.backends.base import TaskQuery, due_day_of
from portal.sites.backends.frappe.query import task_filters
from portal.sites.backends.types import Task
from portal.tasks_ui.selectors.calendar import calendar_range, first_weekday
from portal.tasks_ui.services.reschedule import new_due

RIYADH = ZoneInfo("Asia/Riyadh")
SUNDAY, SATURDAY = 6, 5  # as Python counts weekdays


def task(due: datetime | None, *, is_day: bool = False) -> Task:
    return Task(
        id="1", title="Call", description=None, status="Todo", portal_status="open",
        priority="High", task_type="", start_date=None, due_date=due, assignees=(),
        modified=None, creation=None, owner=None, time_zone=RIYADH.key, due_is_day=is_day,
    )  # fmt: skip


def test_weeks_start_on_sunday_in_english_and_saturday_in_arabic():
    with translation.override("en"):
        assert first_weekday() == SUNDAY
    with translation.override("ar"):
        assert first_weekday() == SATURDAY


def test_a_month_is_whole_weeks_around_its_first_and_last_day():
    shown = calendar_range(view="month", day=date(2026, 12, 17), weekday=SUNDAY)
    assert (shown.first, shown.last) == (date(2026, 11, 29), date(2027, 1, 2))
    assert len(shown.weeks) == 5 and all(len(week) == 7 for week in shown.weeks)
    assert (shown.previous, shown.next) == (date(2026, 11, 1), date(2027, 1, 1))
    assert not shown.in_month(date(2026, 11, 30)) and shown.in_month(date(2026, 12, 31))
    # February 2026 starts on a Sunday and has four weeks exactly.
    february = calendar_range(view="month", day=date(2026, 2, 10), weekday=SUNDAY)
    assert (february.first, february.last, len(february.weeks)) == (
        date(2026, 2, 1), date(2026, 2, 28), 4
    )  # fmt: skip


def test_a_week_goes_from_its_first_weekday_seven_days_at_a_time():
    shown = calendar_range(view="week", day=date(2026, 12, 3), weekday=SATURDAY)
    assert (shown.first, shown.last) == (date(2026, 11, 28), date(2026, 12, 4))
    assert (shown.previous, shown.next) == (date(2026, 11, 21), date(2026, 12, 5))


def test_the_due_range_matches_whole_days_on_the_sites_clock():
    query = TaskQuery(due_from=date(2026, 12, 3), due_to=date(2026, 12, 3))
    assert query.matches(task(datetime(2026, 12, 3, 0, 0, tzinfo=RIYADH)))
    assert query.matches(task(datetime(2026, 12, 3, 23, 59, tzinfo=RIYADH)))
    assert not query.matches(task(datetime(2026, 12, 4, 0, 0, tzinfo=RIYADH)))
    assert not query.matches(task(None))
    # A plain due day is held as 00:00 of the day after: due on the 3rd.
    plain = task(datetime(2026, 12, 4, 0, 0, tzinfo=RIYADH), is_day=True)
    assert due_day_of(plain) == date(2026, 12, 3) and query.matches(plain)


def test_frappe_is_asked_for_the_due_range_with_the_end_day_whole():
    filters = task_filters(TaskQuery(due_from=date(2026, 12, 1), due_to=date(2026, 12, 31)))
    assert ["due_date", ">=", "2026-12-01 00:00:00"] in filters
    assert ["due_date", "<", "2027-01-01 00:00:00"] in filters


def test_a_move_keeps_the_time_of_day_and_a_plain_day_stays_a_day():
    timed = task(datetime(2026, 12, 3, 16, 45, tzinfo=RIYADH))
    assert new_due(timed, date(2026, 12, 9)) == datetime(2026, 12, 9, 16, 45)
    plain = task(datetime(2026, 12, 4, tzinfo=RIYADH), is_day=True)
    assert new_due(plain, date(2026, 12, 9)) == datetime(2026, 12, 9, 0, 0)
