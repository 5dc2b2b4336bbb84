"""The column sort: rows without the value last in either direction, ties in the portal's
order, anything unknown in the query string ignored."""

from datetime import UTC, datetime

from portal.sites.backends.types import Task
from portal.tasks_ui.selectors.rows import Person, Row
from portal.tasks_ui.selectors.sorting import Sort, rows_sorted, sort_from


def row(task_id: str, *, due=None, priority="Medium", title="t", people=()) -> Row:
    task = Task(
        site="s", id=task_id, title=title, description=None, status="Open",
        portal_status="open", priority=priority, task_type=None, start_date=None,
        due_date=due, assignees=(), modified=None, creation=None, owner=None, time_zone="UTC",
    )  # fmt: skip
    return Row(
        site_id=1, site_name="S", task=task, bucket=None,
        people=tuple(Person(user_id=p, name=p) for p in people), can_write=True,
    )  # fmt: skip


def ids(rows) -> list[str]:
    return [r.task.id for r in rows]


def test_undated_rows_come_last_in_both_directions():
    early, late = datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 2, 1, tzinfo=UTC)
    rows = [row("none"), row("late", due=late), row("early", due=early)]
    assert ids(rows_sorted(rows, Sort("due", "asc"))) == ["early", "late", "none"]
    assert ids(rows_sorted(rows, Sort("due", "desc"))) == ["late", "early", "none"]


def test_equal_values_keep_the_portal_order_either_way():
    rows = [row("b", priority="Low", title="x"), row("a", priority="High", title="x")]
    assert ids(rows_sorted(rows, Sort("title", "asc"))) == ["a", "b"]
    assert ids(rows_sorted(rows, Sort("title", "desc"))) == ["a", "b"]


def test_priority_ascending_is_the_most_urgent_first_and_unknown_last():
    rows = [row("low", priority="Low"), row("odd", priority="Odd"), row("urg", priority="Urgent")]
    assert ids(rows_sorted(rows, Sort("priority", "asc"))) == ["urg", "low", "odd"]
    assert ids(rows_sorted(rows, Sort("priority", "desc"))) == ["low", "urg", "odd"]


def test_assignee_sorts_by_name_and_unassigned_last():
    rows = [row("none"), row("zed", people=("Zed",)), row("amy", people=("amy", "Zoe"))]
    assert ids(rows_sorted(rows, Sort("assignee", "asc"))) == ["amy", "zed", "none"]


def test_unknown_keys_and_directions_fall_back():
    assert sort_from({"sort": "password", "dir": "desc"}) == Sort()
    assert sort_from({"sort": "due", "dir": "up"}) == Sort("due", "asc")
    assert sort_from({"sort": "due", "dir": "desc"}) == Sort("due", "desc")
