"""TaskQuery and query_tasks: complete lists over the generic list, pages fetched after a count,
the exact conditions applied in Python, mobile_api when the generic list is refused."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.sites.backends.frappe import Assignee, NoPermission, Task, Vocabulary
from portal.sites.backends.frappe.query import (
    TaskQuery,
    assignment_fields,
    query_tasks,
    task_detail,
    task_filters,
    task_site_url,
    text_alternatives,
)

ZONE = ZoneInfo("Asia/Riyadh")


def task(
    ident, *, title="Call", status="Todo", start=None, priority="High", who=(), description=None
):
    return Task(
        id=ident,
        title=title,
        description=description,
        status=status,
        portal_status="open",
        priority=priority,
        task_type="call",
        start_date=start,
        due_date=None,
        assignees=tuple(Assignee(user_id=w) for w in who),
        modified=None,
        creation=None,
        owner=None,
        time_zone=ZONE.key,
    )


class FakeClient:
    """Serves ``rows`` like the generic list (by id, sliced) and counts requests."""

    flavour = "deployed"
    site_label = "fake"

    def __init__(self, rows, *, refuse_list=False):
        self.rows = rows
        self.refuse_list = refuse_list
        self.calls = []

    def list_tasks(self, *, filters, fields, order_by="name asc", start=0, page_length=100):
        self.calls.append(("list", start))
        if self.refuse_list:
            raise NoPermission("No permission for CRM Task")
        return self.rows[start : start + page_length]

    def count(self, *, filters):
        self.calls.append(("count",))
        return len(self.rows)

    def vocabulary(self):
        return Vocabulary(statuses=("Todo", "Done", "late"), priorities=(), task_types=())

    def filter_tasks(self, **criteria):
        self.calls.append(("mobile", criteria))
        return self.rows

    def get_task(self, task_id):
        self.calls.append(("get", task_id))
        return task(task_id, who=("a@x",))


def test_filters_say_every_condition_in_the_sites_terms():
    query = TaskQuery(
        date_from=date(2026, 11, 1),
        date_to=date(2026, 11, 30),
        priorities=("High",),
        statuses=("Todo", "late"),
        not_statuses=("Done",),
        title_contains="call",
        assigned_to="sales1@x",
    )
    assert task_filters(query) == [
        ["start_date", ">=", "2026-11-01 00:00:00"],
        ["start_date", "<", "2026-12-01 00:00:00"],  # the end day counts whole
        ["priority", "in", ["High"]],
        ["status", "in", ["Todo", "late"]],
        ["status", "not in", ["Done"]],
        ["title", "like", "%call%"],
        ["_assign", "like", '%"sales1@x"%'],
    ]


def test_matches_is_exact_where_the_sites_like_is_loose():
    query = TaskQuery(title_contains="50%", assigned_to="sales1@x", date_to=date(2026, 11, 30))
    late_on_last_day = datetime(2026, 11, 30, 23, 59, tzinfo=ZONE)
    assert query.matches(
        task(1, title="Discount 50% off", start=late_on_last_day, who=("sales1@x",))
    )
    assert not query.matches(
        task(2, title="Discount 50 off", start=late_on_last_day, who=("sales1@x",))
    )
    assert not query.matches(task(3, title="50%", start=late_on_last_day, who=("sales10@x",)))
    next_day = datetime(2026, 12, 1, 0, 0, tzinfo=ZONE)
    assert not query.matches(task(4, title="50%", start=next_day, who=("sales1@x",)))
    assert TaskQuery(title_contains="CALL").matches(task(5, title="call back"))


def test_a_full_first_page_is_followed_by_a_count_and_the_remaining_pages():
    client = FakeClient([task(i) for i in range(1, 2501)])
    batches = []

    def run_pages(calls):
        batches.append(len(calls))
        return [call() for call in calls]

    found = query_tasks(client, TaskQuery(), run_pages=run_pages, page_length=1000)
    assert [t.id for t in found] == list(range(1, 2501))
    assert batches == [2]
    assert client.calls == [("list", 0), ("count",), ("list", 1000), ("list", 2000)]


def test_rows_added_after_the_count_are_still_read():
    client = FakeClient([task(i) for i in range(1, 2001)])
    original = client.count
    client.count = lambda **kw: original(**kw) - 1000  # the count is a page behind
    found = query_tasks(client, TaskQuery(), page_length=1000)
    assert len(found) == 2000 and client.calls[-1] == ("list", 2000)


def test_a_small_site_costs_one_request():
    client = FakeClient([task(i) for i in range(1, 11)])
    assert len(query_tasks(client, TaskQuery())) == 10 and client.calls == [("list", 0)]


def test_a_refused_generic_list_falls_back_to_mobile_api_with_the_same_conditions():
    rows = [task(1, status="Todo", who=("me@x",)), task(2, status="Done"), task(3, status="late")]
    client = FakeClient(rows, refuse_list=True)
    found = query_tasks(client, TaskQuery(not_statuses=("Done",)))
    assert [t.id for t in found] == [1, 3]
    mobile = [c for c in client.calls if c[0] == "mobile"][0][1]
    assert mobile["statuses"] == ["Todo", "late"]


def test_a_plain_site_has_no_fallback():
    client = FakeClient([task(1)], refuse_list=True)
    client.flavour = "plain"
    with pytest.raises(NoPermission):
        query_tasks(client, TaskQuery())


def test_task_detail_takes_every_assignee_from_the_list_row():
    client = FakeClient([task(7, who=("a@x", "b@x"))])
    found = task_detail(client, 7)
    assert [a.user_id for a in found.assignees] == ["a@x", "b@x"]


def test_assignment_and_link_helpers():
    assert assignment_fields(["a@x", "Administrator"]) == {
        "assigned_to_list": ["a@x", "Administrator"]
    }
    assert (
        task_site_url("https://crm.example.com/", 12) == "https://crm.example.com/app/crm-task/12"
    )


def test_a_text_means_the_title_or_the_words_of_the_description():
    query = TaskQuery(text_contains="café")
    assert query.matches(task("1", title="Meet at the CAFÉ"))
    assert query.matches(task("2", description="<p>at the <b>caf&eacute;</b></p>"))
    assert not query.matches(task("3", description='<p class="café">elsewhere</p>'))
    assert not query.matches(task("4"))  # no description: the title decides


def test_a_text_is_two_disjoint_reads_title_then_description_without_the_title():
    assert text_alternatives(TaskQuery()) == [[]]
    by_title, by_words = text_alternatives(TaskQuery(text_contains="lease"))
    assert by_title == [["title", "like", "%lease%"]]
    assert by_words == [["title", "not like", "%lease%"], ["description", "like", "%lease%"]]
