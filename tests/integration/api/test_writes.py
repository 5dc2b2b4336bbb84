"""Writes through the API go through the pages' services: the site's answer checked, the same
audit rows with the outcome, a refusal in the site's words as a problem, a result per bulk row.
The Riyadh stand-in behaves as a real CRM site: an overdue task saved with any status but Done
comes back ``late`` with a 200."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.sites.models import AuditEntry
from tests.integration.tasks_ui.bulk_support import run_here
from tests.integration.tasks_ui.test_refused_writes import overdue_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def later(frozen_now, days=3) -> str:
    return (frozen_now + timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")


def test_a_status_change_is_made_checked_and_audited(api, three_sites, standin, frozen_now):
    site = three_sites["riyadh"]
    [task_id] = overdue_tasks(standin, frozen_now)
    response = api.post(f"/api/v1/tasks/{site.pk}/{task_id}/status/", {"status": "done"},
                        format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert (response.json()["portal_status"], response.json()["status"]) == ("done", "Done")
    assert standin.sites["riyadh"].control.task(task_id)["status"] == "Done"
    entry = AuditEntry.objects.get(site=site, task_id=str(task_id), action="task_status")
    assert entry.ok and entry.username == "mona" and entry.changes == {"status": "done"}
    assert entry.credential == "oauth connection of sales1@riyadh.test"


@pytest.mark.parametrize("status", ["in_progress", "cancelled"])
def test_a_status_the_site_kept_late_is_a_409_problem_in_the_sites_words(
    api, three_sites, standin, frozen_now, status
):
    site = three_sites["riyadh"]
    [task_id] = overdue_tasks(standin, frozen_now)
    response = api.post(f"/api/v1/tasks/{site.pk}/{task_id}/status/", {"status": status},
                        format="json")  # fmt: skip
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "refused" and body["site_id"] == site.pk
    assert "kept this task late: an overdue task can only be marked done there" in body["detail"]
    assert body["site_answered"] == {"status": "late"}
    assert standin.sites["riyadh"].control.task(task_id)["status"] == "late"
    entry = AuditEntry.objects.get(site=site, task_id=str(task_id), action="task_status")
    assert not entry.ok and "refused by the site" in entry.error
    assert entry.changes["site answered"] == {"status": "late"}


def test_create_edit_and_delete_are_made_on_the_site_and_audited(
    api, three_sites, standin, frozen_now
):
    site = three_sites["cairo"]
    control = standin.sites["cairo"].control
    due = (frozen_now + timedelta(days=2)).astimezone(ZoneInfo("Africa/Cairo"))
    created = api.post("/api/v1/tasks/", {
        "site_id": site.pk, "title": "Call back «عميل»", "priority": "High",
        "due_date": due.strftime("%Y-%m-%dT%H:%M"), "assignees": ["sales1@cairo.test"],
    }, format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    task = created.json()
    on_site = control.task(task["id"])
    assert on_site["title"] == "Call back «عميل»" and on_site["priority"] == "High"
    assert task["assignees"][0]["user_id"] == "sales1@cairo.test"
    assert AuditEntry.objects.get(action="task_create", task_id=task["id"]).ok

    edited = api.patch(f"/api/v1/tasks/{site.pk}/{task['id']}/",
                       {"title": "Call back tomorrow"}, format="json")  # fmt: skip
    assert edited.status_code == 200, edited.content
    assert control.task(task["id"])["title"] == "Call back tomorrow"
    entry = AuditEntry.objects.get(action="task_edit", task_id=task["id"])
    assert entry.ok and entry.changes == {"title": "Call back tomorrow"}  # only what changed

    stale = api.patch(f"/api/v1/tasks/{site.pk}/{task['id']}/",
                      {"title": "Mine", "modified": task["modified"]}, format="json")  # fmt: skip
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert control.task(task["id"])["title"] == "Call back tomorrow"

    deleted = api.delete(f"/api/v1/tasks/{site.pk}/{task['id']}/")
    assert deleted.status_code == 204
    assert control.task(task["id"]) is None
    entry = AuditEntry.objects.get(action="task_delete", task_id=task["id"], ok=True)
    assert entry.changes == {"title": "Call back tomorrow"}
    again = api.delete(f"/api/v1/tasks/{site.pk}/{task['id']}/")
    assert again.status_code == 404 and "already gone" in again.json()["detail"]


def test_input_the_form_refuses_is_a_400_naming_the_fields(api, three_sites, standin):
    site = three_sites["riyadh"]
    before = len(standin.sites["riyadh"].control.tasks(limit=100000))
    response = api.post("/api/v1/tasks/", {
        "site_id": site.pk, "title": "x", "status": "Exploded", "due_date": "tomorrow",
    }, format="json")  # fmt: skip
    assert response.status_code == 400
    assert {"status", "due_date"} <= set(response.json()["errors"])
    assert len(standin.sites["riyadh"].control.tasks(limit=100000)) == before
    assert not AuditEntry.objects.filter(action="task_create").exists()


def test_a_bulk_result_lists_each_rows_outcome(api, three_sites, standin, frozen_now):
    site = three_sites["riyadh"]
    [late] = overdue_tasks(standin, frozen_now)
    [fine] = standin.sites["riyadh"].control.insert_tasks(
        [{"title": "Fine", "status": "Todo", "priority": "Low", "due_date": later(frozen_now)}]
    )
    started = api.post("/api/v1/tasks/bulk/", {
        "action": "status:in_progress", "tasks": [f"{site.pk}:{late}", f"{site.pk}:{fine}"],
    }, format="json")  # fmt: skip
    assert started.status_code == 202, started.content
    assert started.json()["finished"] is False
    run_here(started.json()["id"])
    job = api.get(started["Location"]).json()
    assert job["finished"] and (job["done"], job["failed"]) == (2, 1)
    rows = {row["task_id"]: row for row in job["rows"]}
    assert rows[str(late)]["state"] == "failed"
    assert "kept this task late" in rows[str(late)]["message"]
    assert rows[str(fine)]["state"] == "ok"
    assert standin.sites["riyadh"].control.task(fine)["status"] == "In Progress"
    outcomes = dict(AuditEntry.objects.filter(action="task_status").values_list("task_id", "ok"))
    assert outcomes == {str(late): False, str(fine): True}
