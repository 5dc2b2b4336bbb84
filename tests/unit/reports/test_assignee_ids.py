"""Who holds a task, as the snapshot counts it: "nobody" is one key however a site spells it."""

from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from portal.reports.services.snapshot import assignee_ids
from portal.sites.backends.frappe.client.parse import parse_task
from portal.sites.backends.types import Assignee

BASE = parse_task({"name": 1, "status": "Todo"}, zone=ZoneInfo("UTC"), site=None)


@pytest.mark.parametrize(
    "people",
    [(), (Assignee(user_id=""),), (Assignee(user_id=None, email=""),),
     (Assignee(user_id="  "),), (Assignee(user_id=None), Assignee(user_id=""))],
)  # fmt: skip
def test_a_task_nobody_holds_is_unassigned_however_the_site_says_so(people):
    assert assignee_ids(replace(BASE, assignees=people)) == [""]


def test_each_holder_counts_once_by_id_or_else_email():
    people = (Assignee(user_id="sales1@riyadh.test"), Assignee(user_id=None, email="x@y.test"),
              Assignee(user_id="sales1@riyadh.test "), Assignee(user_id=""))  # fmt: skip
    assert assignee_ids(replace(BASE, assignees=people)) == ["sales1@riyadh.test", "x@y.test"]
