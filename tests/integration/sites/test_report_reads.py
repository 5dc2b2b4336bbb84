"""The two reads behind report snapshots: every open task, and tasks finished since a moment
(a completion moves `modified`; the periodic switch to late does not)."""

from datetime import datetime, timedelta

import pytest

from portal.sites.backends.frappe import site_status
from portal.sites.services.clients import client_for_service

pytestmark = pytest.mark.django_db


def test_open_tasks_are_complete_and_carry_assignees(portal_site, standin):
    site = portal_site("riyadh")
    client = client_for_service(site)
    handle = standin.sites["riyadh"]
    raw_open = handle.control.tasks(
        filters=[["status", "not in", ["Done", "Canceled"]]], limit=1000
    )
    found = client.open_tasks()
    assert sorted(t.id for t in found) == sorted(str(row["name"]) for row in raw_open)
    assert all(t.is_open for t in found)
    assert any(t.assignees and t.assignees[0].user_id for t in found)


def test_finished_since_sees_completions_but_not_the_late_switch(portal_site, standin):
    site = portal_site("riyadh")
    client = client_for_service(site)
    handle = standin.sites["riyadh"]
    now = datetime.fromisoformat(handle.control.clock()["now"])
    handle.control.set_clock(now=now.isoformat())
    since = now + timedelta(seconds=1)
    handle.control.set_clock(now=(now + timedelta(minutes=5)).isoformat())
    [done_id, overdue_id] = handle.control.insert_tasks([
        {"title": "to finish", "status": "Todo", "start_date": "2026-01-01 09:00:00"},
        {"title": "will flip", "status": "Todo", "due_date": "2026-01-02 09:00:00",
         "start_date": "2026-01-01 09:00:00"},
    ])  # fmt: skip
    client.update_status(done_id, site_status("done", client.vocabulary()))
    assert overdue_id in handle.control.run_late_switch()
    finished = {t.id for t in client.finished_since(since)}
    assert str(done_id) in finished and str(overdue_id) not in finished
