"""The one row order, and the task form: only changed fields, a signed snapshot, site times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from portal.sites.backends.frappe import Assignee, Task, Vocabulary
from portal.tasks_ui.forms import FilterForm, TaskForm, create_fields, snapshot_of
from portal.tasks_ui.selectors.rows import Row, for_person, row_order

ZONE = ZoneInfo("Africa/Cairo")
VOCABULARY = Vocabulary(
    statuses=("Todo", "In Progress", "Done", "late"),
    priorities=("Low", "Medium", "High"),
    task_types=("call", "other"),
)


def task(ident=1, *, priority="High", due=None, start=None, **kw):
    fields = dict(
        id=ident,
        title="Call Omar",
        description="",
        status="Todo",
        portal_status="open",
        priority=priority,
        task_type="call",
        start_date=start or datetime(2026, 11, 23, 9, 0, tzinfo=ZONE),
        due_date=due,
        assignees=(Assignee(user_id="sales1@x"),),
        modified=datetime(2026, 11, 23, 8, 0, 0, 123456, tzinfo=ZONE),
        creation=None,
        owner=None,
        time_zone=ZONE.key,
    )
    fields.update(kw)
    return Task(**fields)


def row(t, site_id=1, site="B"):
    return Row(site_id=site_id, site_name=site, task=t, bucket=None, people=(), can_write=True)


def test_rows_go_high_medium_low_then_by_due_date_with_undated_last():
    early = datetime(2026, 11, 20, 17, 0, tzinfo=ZONE)
    later = datetime(2026, 11, 21, 17, 0, tzinfo=ZONE)
    rows = [
        row(task(1, priority="Low", due=early)),
        row(task(2, priority="High", due=None)),
        row(task(3, priority="Medium", due=early)),
        row(task(4, priority="High", due=later)),
        row(task(5, priority="Critical", due=early)),  # a site's own value: after the known ones
        row(task(6, priority="High", due=early), site_id=2, site="A"),
        row(task(7, priority="Urgent", due=later)),  # EspoCRM's: above High
        row(task(8, priority="Normal", due=later)),  # EspoCRM's: with Medium
    ]
    assert [r.task.id for r in sorted(rows, key=row_order)] == [7, 6, 4, 2, 3, 8, 1, 5]


def test_due_dates_in_different_zones_compare_as_instants():
    riyadh = datetime(2026, 11, 21, 17, 0, tzinfo=ZoneInfo("Asia/Riyadh"))  # 14:00 UTC
    utc = datetime(2026, 11, 21, 15, 0, tzinfo=ZoneInfo("UTC"))
    rows = [row(task(1, due=utc)), row(task(2, due=riyadh))]
    assert [r.task.id for r in sorted(rows, key=row_order)] == [2, 1]


def test_for_person_matches_ids_and_email_only_assignees():
    by_email = task(assignees=(Assignee(user_id=None, email="Sales1@X", full_name="Sales One"),))
    assert for_person(by_email, "sales1@x")
    assert not for_person(task(), "sales10@x")


def posted(form_task, **changes):
    form = TaskForm(vocabulary=VOCABULARY, people=[], task=form_task)
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["assignees"] = form.initial["assignees"]
    data.update(changes)
    bound = TaskForm(data, vocabulary=VOCABULARY, people=[], task=None)
    bound.fields["assignees"].choices = [("sales1@x", "sales1@x"), ("sales2@x", "sales2@x")]
    assert bound.is_valid(), bound.errors
    return bound


def test_an_unchanged_form_sends_nothing_and_one_change_sends_one_field():
    original = task()
    assert posted(original).changed_fields() == {}
    assert posted(original, priority="Low").changed_fields() == {"priority": "Low"}


def test_dates_go_back_as_site_local_strings_and_clearing_sends_none():
    original = task(due=datetime(2026, 11, 25, 17, 0, tzinfo=ZONE))
    changed = posted(original, start_date="2026-11-24T10:15", due_date="").changed_fields()
    assert changed == {"start_date": "2026-11-24 10:15:00", "due_date": None}


def test_reassigning_sends_the_whole_new_set():
    changed = posted(task(), assignees=["sales2@x"], other_people="Administrator").changed_fields()
    assert changed == {"assignees": ["Administrator", "sales2@x"]}


def test_typed_people_may_be_separated_by_the_arabic_comma():
    changed = posted(task(), assignees=[], other_people="sales2@x، Administrator").changed_fields()
    assert changed == {"assignees": ["Administrator", "sales2@x"]}


def test_a_tampered_snapshot_is_not_trusted():
    form = posted(task(), snapshot=snapshot_of(task())[:-3] + "abc")
    assert form.original() is None


def test_the_snapshot_keeps_modified_to_the_microsecond():
    from portal.tasks_ui.forms import snapshot_modified

    original = task()
    assert snapshot_modified(posted(original)) == original.modified


def test_create_sends_only_what_was_given():
    form = TaskForm(
        {
            "task_type": "call",
            "status": "Todo",
            "priority": "Medium",
            "title": "Call",
            "snapshot": "",
        },
        vocabulary=VOCABULARY,
        people=[],
    )
    assert form.is_valid(), form.errors
    assert create_fields(form) == {
        "task_type": "call", "status": "Todo", "priority": "Medium", "title": "Call"
    }  # fmt: skip


@pytest.mark.parametrize("title", ["", "   "])
def test_a_task_needs_a_title(title):
    """A site takes a task without one and shows "(no title)" for ever after."""
    form = TaskForm(
        {"task_type": "call", "status": "Todo", "priority": "Medium", "title": title},
        vocabulary=VOCABULARY,
        people=[],
    )
    assert not form.is_valid()
    assert form.errors["title"] == ["Give the task a title."]


def test_a_due_date_before_the_start_is_refused_with_the_input_kept():
    data = {"task_type": "call", "status": "Todo", "priority": "Medium", "title": "Call",
            "start_date": "2026-11-25T10:00", "due_date": "2026-11-24T09:00"}  # fmt: skip
    form = TaskForm(data, vocabulary=VOCABULARY, people=[])
    assert not form.is_valid()
    assert form.errors["due_date"] == ["The due date is before the start."]
    assert form["due_date"].value() == "2026-11-24T09:00"
    assert form["start_date"].value() == "2026-11-25T10:00"


def test_late_is_never_offered_as_a_status_to_set():
    form = TaskForm(vocabulary=VOCABULARY, people=[])
    assert "late" not in [value for value, _ in form.fields["status"].choices]
    assert form.initial["status"] == "Todo"


@pytest.mark.parametrize("value", ["2026-02-30T10:00", "tomorrow", "2026-11-24 25:00"])
def test_malformed_site_times_are_refused_before_reaching_the_site(value):
    form = TaskForm(
        {"task_type": "call", "status": "Todo", "priority": "Low", "due_date": value},
        vocabulary=VOCABULARY,
        people=[],
    )
    assert not form.is_valid() and "due_date" in form.errors


def test_the_filter_form_refuses_an_end_before_the_start():
    form = FilterForm(
        {"date_from": "2026-05-02", "date_to": "2026-05-01"}, sites=[], priorities=["High"]
    )
    assert not form.is_valid() and "date_to" in form.errors


def test_a_task_the_site_marked_late_and_without_a_type_can_be_edited():
    original = task(status="late", task_type=None)
    changed = posted(original, title="Call Omar back").changed_fields()
    assert changed == {"title": "Call Omar back"}


def _overdue_form(site_flavour: str, *, status: str, due: str):
    from portal.sites.models import Site

    site = Site(name="Riyadh Sales", flavour=site_flavour, time_zone="Asia/Riyadh")
    original = task(
        status="late",
        start=datetime(2019, 12, 30, 9, tzinfo=ZONE),
        due=datetime(2020, 1, 1, 10, tzinfo=ZONE),
    )
    form = TaskForm(vocabulary=VOCABULARY, people=[], task=original, site=site)
    data = {**{k: v for k, v in form.initial.items() if v is not None}, "status": status}
    data["due_date"] = due
    return TaskForm(data, vocabulary=VOCABULARY, people=[], task=None, site=site)


@pytest.mark.parametrize("status", ["In Progress"])
def test_an_overdue_task_on_a_crm_site_is_not_sent_a_status_the_site_would_refuse(status):
    form = _overdue_form("deployed", status=status, due="2020-01-01T10:00")
    assert not form.is_valid()
    assert "Riyadh Sales keeps a task whose due date has passed late" in form.errors["status"][0]


@pytest.mark.parametrize(
    ("flavour", "status", "due"),
    [
        ("deployed", "Done", "2020-01-01T10:00"),  # the one way out
        ("deployed", "Todo", "2020-01-01T10:00"),  # taken, as `late`
        ("deployed", "In Progress", "2099-01-01T10:00"),  # a later due date lifts the rule
        ("documented", "In Progress", "2020-01-01T10:00"),  # no such hook there
    ],
)
def test_statuses_the_site_takes_are_sent(flavour, status, due):
    form = _overdue_form(flavour, status=status, due=due)
    assert form.is_valid(), form.errors
