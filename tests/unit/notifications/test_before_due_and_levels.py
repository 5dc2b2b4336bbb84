"""Pure pieces of the new reminder kinds: which "before due" step is due, when the further
escalation level falls, how rules write their leads, which tasks count as due soon, the filter
page's "nobody assigned", and the words of the new steps in English and Arabic."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.notifications.forms import leads_parse
from portal.notifications.models import before_due_step, step_label
from portal.notifications.models.rules import leads_text
from portal.notifications.steps import step_text
from portal.notifications.timing import (
    Timing,
    before_due_step_due,
    escalation_next_due,
)
from portal.sites.backends.types import Assignee, Task
from portal.sites.buckets import due_soon
from portal.tasks_ui.selectors.search import Criteria

DUE = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
DAY_AND_HOUR = [1440, 60]


@pytest.mark.parametrize(
    ("now", "sent", "expected"),
    [
        (DUE - timedelta(days=2), None, None),  # too early for either
        (DUE - timedelta(hours=23), None, 1440),  # the day's reminder
        (DUE - timedelta(hours=23), 1440, None),  # ... only once
        (DUE - timedelta(minutes=50), 1440, 60),  # then the hour's
        (DUE - timedelta(minutes=10), 60, None),  # ... only once
        (DUE - timedelta(minutes=30), None, 60),  # found late: only the nearest, not both
        (DUE + timedelta(minutes=1), None, None),  # due already: overdue rules take over
    ],
)
def test_the_before_due_step_due_now(now, sent, expected):
    assert before_due_step_due(offsets=DAY_AND_HOUR, due=DUE, now=now, sent=sent) == expected


def test_the_further_level_comes_its_own_hours_after_the_leads():
    timing = Timing(timedelta(0), None, 0, escalate_after=timedelta(hours=4))
    became = DUE

    def due(hours: float, escalated: bool = False) -> bool:
        return escalation_next_due(
            timing=timing, next_after=timedelta(hours=8), became_at=became,
            now=became + timedelta(hours=hours), escalated=escalated,
        )  # fmt: skip

    assert not due(11.9)
    assert due(12)
    assert not due(13, escalated=True)


def test_leads_are_written_in_days_hours_and_minutes():
    assert leads_parse("1d, 1h") == [1440, 60]
    assert leads_parse("90, 2h, 2H") == [120, 90]
    assert leads_text([60, 1440, 30]) == "1d, 1h, 30m"
    for bad in ("soon", "0h", "40d"):
        with pytest.raises(ValidationError):
            leads_parse(bad)


def _task(*, due: datetime | None, status: str = "open", assignees=()) -> Task:
    return Task(
        id="1", title="t", description=None, status=status, portal_status=status,
        priority="High", task_type=None, start_date=None, due_date=due,
        assignees=tuple(assignees), modified=None, creation=None, owner=None,
        time_zone="UTC",
    )  # fmt: skip


def test_due_soon_is_open_not_yet_due_and_within_the_lead():
    now = DUE - timedelta(hours=3)
    assert due_soon(_task(due=DUE), now, timedelta(hours=3))
    assert not due_soon(_task(due=DUE), now, timedelta(hours=2))
    assert not due_soon(_task(due=DUE, status="done"), now, timedelta(days=1))
    assert not due_soon(_task(due=DUE - timedelta(hours=4)), now, timedelta(days=1))
    assert not due_soon(_task(due=None), now, timedelta(days=1))
    assert not due_soon(_task(due=DUE), now, None)


def test_the_filter_pages_none_assignee_keeps_only_tasks_nobody_holds():
    nobody = Criteria(assignee="none", bucket="overdue")
    held = _task(due=DUE, assignees=[Assignee("sales1@riyadh.test")])
    free = _task(due=DUE)
    assert nobody.unassigned
    assert nobody.keeps(free, "overdue", DUE) and not nobody.keeps(held, "overdue", DUE)
    assert not nobody.keeps(free, "late", DUE)


def test_new_steps_have_ledger_labels():
    assert step_label(-2) == "escalation 2"
    assert step_label(before_due_step(60)) == "before due 60 min"


@pytest.mark.parametrize(
    ("minutes", "english", "arabic"),
    [
        (1440, "reminder 1 day before the due time", "تذكير قبل موعد الاستحقاق بيوم واحد"),
        (2880, "reminder 2 days before the due time", "تذكير قبل موعد الاستحقاق بيومين"),
        (60, "reminder 1 hour before the due time", "تذكير قبل موعد الاستحقاق بساعة واحدة"),
        (180, "reminder 3 hours before the due time", "تذكير قبل موعد الاستحقاق بـ 3 ساعات"),
        (30, "reminder 30 minutes before the due time", "تذكير قبل موعد الاستحقاق بـ 30 دقيقة"),
    ],
)
def test_before_due_steps_in_english_and_arabic(minutes, english, arabic):
    with translation.override("en"):
        assert step_text(before_due_step(minutes)) == english
    with translation.override("ar"):
        assert step_text(before_due_step(minutes)) == arabic


def test_the_further_escalation_in_arabic():
    with translation.override("ar"):
        assert step_text(-2) == "تصعيد إضافي"
