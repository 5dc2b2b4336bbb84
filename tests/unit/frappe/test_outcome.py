"""A write's answer compared with the write: what counts as done, what as refused."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from portal.sites.backends.frappe import Assignee, Task
from portal.sites.backends.frappe.outcome import kept_overdue, unapplied_fields

ZONE = ZoneInfo("Asia/Riyadh")


def answered(**kw) -> Task:
    fields = dict(
        id=7, title="Call Omar", description="<p>Discuss <b>plan</b></p>", status="Todo",
        portal_status="open", priority="High", task_type="call",
        start_date=datetime(2026, 11, 23, 10, tzinfo=ZONE),
        due_date=datetime(2026, 11, 24, 18, tzinfo=ZONE),
        assignees=(Assignee("sales1@lab.local", "sales1@lab.local", "Sales One"),),
        modified=None, creation=None, owner=None, time_zone=ZONE.key,
    )  # fmt: skip
    fields.update(kw)
    return Task(**fields)


@pytest.mark.parametrize(
    "asked",
    [
        {"status": "todo"},  # case does not matter
        {"title": "<script>x</script>"},  # stored escaped, as real sites do
        {"description": "Discuss <b>plan</b>"},  # text editor markup may differ
        {"start_date": "2026-11-23 10:00:00", "due_date": "2026-11-24 18:00:00"},
        {"start_date": datetime(2026, 11, 23, 7, tzinfo=ZoneInfo("UTC"))},  # the same instant
        {"assigned_to_list": ["sales1@lab.local"]},
        {"assigned_to": "sales1@lab.local"},
        {"priority": "High", "task_type": "call"},
    ],
)
def test_an_answer_showing_the_change_is_a_success(asked):
    task = answered(title="&lt;script&gt;x&lt;/script&gt;") if "title" in asked else answered()
    assert unapplied_fields(asked=asked, answer=task) == ()


def test_reopening_an_overdue_task_comes_back_late_and_is_taken():
    assert unapplied_fields(asked={"status": "Todo"}, answer=answered(status="late")) == ()


@pytest.mark.parametrize("status", ["In Progress", "Canceled"])
def test_late_instead_of_in_progress_or_canceled_is_the_site_refusing(status):
    found = unapplied_fields(asked={"status": status}, answer=answered(status="late"))
    assert [(d.field, d.asked, d.answered) for d in found] == [("status", status, "late")]
    assert kept_overdue(found)


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        ({"title": "Call Omar back"}, "title"),
        ({"priority": "Low"}, "priority"),
        ({"due_date": "2026-11-25 18:00:00"}, "due_date"),
        ({"due_date": None}, "due_date"),
        ({"assigned_to_list": ["sales1@lab.local", "manager1@lab.local"]}, "assignees"),
        ({"assigned_to_list": []}, "assignees"),
        ({"description": "Something else"}, "description"),
    ],
)
def test_any_field_the_answer_does_not_show_is_reported(asked, field):
    found = unapplied_fields(asked=asked, answer=answered())
    assert [d.field for d in found] == [field]
    assert not kept_overdue(found)
