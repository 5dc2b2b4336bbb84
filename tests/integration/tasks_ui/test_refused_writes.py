"""A write the site answered without making is a failure: on the task page, in a row, in bulk
results and in the audit log. The stand-in's CRM site behaves as a real one does: an overdue
task saved with any status but Done comes back ``late`` with a 200.

Also: the delete confirmation and the audit log name the task as the site does (never as a URL
says), and deleting a task already gone says so."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.sites.models import AuditEntry
from tests.integration.tasks_ui.bulk_support import run_here

pytestmark = pytest.mark.django_db(transaction=True)
RIYADH = ZoneInfo("Asia/Riyadh")


def overdue_tasks(standin, frozen_now, count=1, *, title="Overdue call"):
    """Tasks on the Riyadh (CRM) site whose due date passed yesterday, marked late by the site."""
    local = frozen_now.astimezone(RIYADH)
    due = (local - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    start = (local - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    return standin.sites["riyadh"].control.insert_tasks(
        [
            {
                "title": f"{title} {i}",
                "status": "late",
                "priority": "High",
                "start_date": start,
                "due_date": due,
            }
            for i in range(count)
        ]
    )


def status_post(client, site, task_id, status, **headers):
    return client.post(
        f"/tasks/{site.pk}/{task_id}/status/", {"status": status, "next": "/"}, **headers
    )


@pytest.mark.parametrize("status", ["in_progress", "cancelled"])
def test_a_status_the_site_kept_late_is_reported_as_refused_not_done(
    client, member, three_sites, standin, frozen_now, status
):
    site = three_sites["riyadh"]
    [task_id] = overdue_tasks(standin, frozen_now)
    client.force_login(member)
    response = status_post(
        client, site, task_id, status, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-summary"
    )
    html = response.content.decode()
    assert "is now" not in html
    assert "kept this task late: an overdue task can only be marked done there" in html
    assert response["HX-Retarget"] == "#alerts"  # shown on the page, not only spoken
    assert standin.sites["riyadh"].control.task(task_id)["status"] == "late"
    entry = AuditEntry.objects.get(site=site, task_id=str(task_id), action="task_status")
    assert not entry.ok
    assert "refused by the site" in entry.error and "'late'" in entry.error
    assert entry.changes["site answered"] == {"status": "late"}


def test_a_refused_status_without_javascript_goes_back_with_the_error(
    client, member, three_sites, standin, frozen_now
):
    site = three_sites["riyadh"]
    [task_id] = overdue_tasks(standin, frozen_now)
    client.force_login(member)
    response = status_post(client, site, task_id, "in_progress")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "kept this task late" in page


def test_done_on_an_overdue_task_is_taken_and_said_where_everyone_sees_it(
    client, member, three_sites, standin, frozen_now
):
    site = three_sites["riyadh"]
    [task_id] = overdue_tasks(standin, frozen_now)
    client.force_login(member)
    response = status_post(
        client, site, task_id, "done", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-summary"
    )
    html = response.content.decode()
    assert re.search(r'<p class="notice" role="status">“Overdue call 0” on [^<]+ is now Done', html)
    assert standin.sites["riyadh"].control.task(task_id)["status"] == "Done"
    assert AuditEntry.objects.get(task_id=str(task_id), action="task_status").ok


def test_the_task_page_offers_only_what_the_site_takes_for_an_overdue_task(
    client, member, three_sites, standin, frozen_now
):
    site = three_sites["riyadh"]
    [task_id] = overdue_tasks(standin, frozen_now)
    client.force_login(member)
    html = client.get(f"/tasks/{site.pk}/{task_id}/").content.decode()
    offered = re.findall(r'name="status" value="(\w+)"', html)
    assert offered == ["done"]
    assert 'id="only-done"' in html
    # A site without that rule offers every other status.
    cairo = three_sites["cairo"]
    due = (frozen_now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    [other] = standin.sites["cairo"].control.insert_tasks(
        [{"title": "Overdue on Cairo", "status": "Open", "due_date": due}]
    )
    html = client.get(f"/tasks/{cairo.pk}/{other}/").content.decode()
    assert sorted(re.findall(r'name="status" value="(\w+)"', html)) == [
        "cancelled", "done", "in_progress"
    ]  # fmt: skip
    assert 'id="only-done"' not in html


def test_bulk_in_progress_of_overdue_tasks_counts_every_refusal_as_failed(
    client, member, three_sites, standin, frozen_now
):
    site = three_sites["riyadh"]
    ids = overdue_tasks(standin, frozen_now, 4)
    client.force_login(member)
    response = client.post(
        "/tasks/bulk/", {"action": "status:in_progress", "row": [f"{site.pk}:{i}" for i in ids]}
    )
    job_id = re.search(r"/tasks/bulk/([\w-]+)/", response["Location"]).group(1)
    run_here(job_id)
    html = client.get(response["Location"]).content.decode()
    assert "4 of 4 done · 4 failed" in html
    assert html.count("kept this task late") == 4
    assert set(re.findall(r'data-state="(\w+)"', html)) == {"failed"}
    assert [standin.sites["riyadh"].control.task(i)["status"] for i in ids] == ["late"] * 4
    assert not AuditEntry.objects.filter(action="task_status", ok=True).exists()
    assert AuditEntry.objects.filter(action="task_status", ok=False).count() == 4


def test_the_edit_form_says_before_sending_that_the_site_would_keep_the_task_late(
    client, member, three_sites, standin, frozen_now
):
    site = three_sites["riyadh"]
    [task_id] = overdue_tasks(standin, frozen_now)
    client.force_login(member)
    form = client.get(f"/tasks/{site.pk}/{task_id}/edit/").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(status="In Progress")
    data["assignees"] = []
    response = client.post(f"/tasks/{site.pk}/{task_id}/edit/", data)
    html = response.content.decode()
    assert "keeps a task whose due date has passed late until it is done" in html
    assert not AuditEntry.objects.filter(task_id=str(task_id)).exists()  # nothing was sent
    # With a later due date in the same save, the site takes it.
    later = (frozen_now + timedelta(days=2)).astimezone(RIYADH).strftime("%Y-%m-%dT%H:%M")
    data.update(due_date=later)
    response = client.post(f"/tasks/{site.pk}/{task_id}/edit/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert standin.sites["riyadh"].control.task(task_id)["status"] == "In Progress"


def test_the_delete_confirmation_names_the_task_as_the_site_does(
    client, member, three_sites, standin, frozen_now
):
    site = three_sites["riyadh"]
    [task_id] = standin.sites["riyadh"].control.insert_tasks([{"title": "Real title"}])
    client.force_login(member)
    html = client.get(f"/tasks/{site.pk}/{task_id}/delete/?title=Pay+the+invoice+now").content
    html = html.decode()
    assert "Real title" in html and "Pay the invoice" not in html
    response = client.post(
        f"/tasks/{site.pk}/{task_id}/delete/", {"title": "Something else", "next": "/"}
    )
    assert response.status_code == 302
    assert standin.sites["riyadh"].control.task(task_id) is None
    entry = AuditEntry.objects.get(task_id=str(task_id), action="task_delete")
    assert entry.ok and entry.changes == {"title": "Real title"}


def test_deleting_a_task_already_gone_says_so(client, member, three_sites, standin, frozen_now):
    site = three_sites["riyadh"]
    [task_id] = standin.sites["riyadh"].control.insert_tasks([{"title": "Soon gone"}])
    standin.sites["riyadh"].control.delete_task(task_id)
    client.force_login(member)
    response = client.post(
        f"/tasks/{site.pk}/{task_id}/delete/",
        {"next": "/"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"task-{site.pk}-{task_id}",
    )
    html = response.content.decode()
    assert "was already gone from" in html and "Deleted" not in html
    entry = AuditEntry.objects.get(task_id=str(task_id), action="task_delete")
    assert not entry.ok and "already gone" in entry.error
