"""Bulk status change and bulk delete across sites: progress, a result per row, stand-in checks,
and rows the person may not touch failing by themselves."""

import re

import pytest

from portal.sites.models import AuditEntry, Site
from portal.tasks_ui.services.bulk import bulk_wait

pytestmark = pytest.mark.django_db(transaction=True)


def insert(standin, name, count):
    status = "Open" if name == "cairo" else "Todo"
    return standin.sites[name].control.insert_tasks(
        [{"title": f"Bulk {name} {i}", "status": status} for i in range(count)]
    )


def start(client, data):
    response = client.post("/tasks/bulk/", data)
    assert response.status_code == 302, response.content.decode()[-1500:]
    job_id = re.search(r"/tasks/bulk/([\w-]+)/", response["Location"]).group(1)
    bulk_wait(job_id)
    return response["Location"], job_id


def test_bulk_done_across_sites_reports_each_row(client, member, three_sites, standin):
    riyadh, cairo = three_sites["riyadh"], three_sites["cairo"]
    other = Site.objects.create(name="Not yours", base_url="http://127.0.0.1:9", client_id="x")
    rows = [f"{riyadh.pk}:{i}" for i in insert(standin, "riyadh", 3)]
    rows += [f"{cairo.pk}:{i}" for i in insert(standin, "cairo", 2)]
    rows += [f"{other.pk}:5", f"{riyadh.pk}:999999"]
    client.force_login(member)
    location, _ = start(
        client, {"action": "status:done", "row": rows, "next": "/?bucket=late", "confirmed": ""}
    )
    html = client.get(location).content.decode()
    assert "7 of 7 done" in html and "Finished" in html
    states = dict(re.findall(r'data-task="(\d+)" data-state="(\w+)"', html))
    for key in rows[:5]:
        site_id, task_id = key.split(":")
        assert states[task_id] == "ok"
    assert states["5"] == "failed" and "No such site." in html  # not visible: no name leaks
    assert states["999999"] == "failed"
    assert standin.sites["riyadh"].control.task(int(rows[0].split(":")[1]))["status"] == "Done"
    assert standin.sites["cairo"].control.task(int(rows[3].split(":")[1]))["status"] == "Completed"
    assert AuditEntry.objects.filter(action="task_status", ok=True).count() == 5
    assert 'href="/?bucket=late"' in html


def test_progress_is_polled_by_htmx_until_finished(client, member, three_sites, standin):
    riyadh = three_sites["riyadh"]
    rows = [f"{riyadh.pk}:{i}" for i in insert(standin, "riyadh", 2)]
    client.force_login(member)
    location, _ = start(client, {"action": "status:in_progress", "row": rows})
    response = client.get(location, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="progress")
    assert response.status_code == 286  # htmx stops polling: everything is known
    assert response.content.decode().lstrip().startswith('<section id="progress"')


def test_bulk_delete_asks_first_without_javascript_then_deletes(
    client, member, three_sites, standin
):
    plain, cairo = three_sites["plainsite"], three_sites["cairo"]
    [p1] = insert(standin, "plainsite", 1)
    [c1] = insert(standin, "cairo", 1)
    rows = [f"{plain.pk}:{p1}", f"{cairo.pk}:{c1}"]
    client.force_login(member)
    data = {"action": "delete", "row": rows, f"title-{plain.pk}:{p1}": "Bulk plainsite 0"}
    confirm = client.post("/tasks/bulk/", data)
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "Delete these tasks?" in text
    assert "Bulk plainsite 0" in text and "Plainsite" in text and "Cairo" in text
    assert standin.sites["plainsite"].control.task(p1) is not None
    location, _ = start(client, {**data, "confirmed": "1"})
    html = client.get(location).content.decode()
    assert "2 of 2 done" in html
    assert standin.sites["plainsite"].control.task(p1) is None
    assert standin.sites["cairo"].control.task(c1) is None


def test_nothing_selected_goes_back_with_a_message(client, member, three_sites):
    client.force_login(member)
    response = client.post("/tasks/bulk/", {"action": "status:done", "next": "/tasks/"})
    assert response.status_code == 302 and response["Location"] == "/tasks/"


def test_someone_elses_job_is_not_found(client, member, three_sites, standin, django_user_model):
    riyadh = three_sites["riyadh"]
    rows = [f"{riyadh.pk}:{i}" for i in insert(standin, "riyadh", 1)]
    client.force_login(member)
    location, _ = start(client, {"action": "status:done", "row": rows})
    other = django_user_model.objects.create_user("olga", password="x-Long-Pass-2026")
    client.force_login(other)
    assert client.get(location).status_code == 404


def test_a_job_whose_process_died_ends_its_waiting_rows_saying_so(
    client, member, three_sites, standin, settings, tmp_path, monkeypatch
):
    from datetime import timedelta

    from portal import clock
    from portal.tasks_ui.services import bulk

    settings.PORTAL_CLOCK_FILE = str(tmp_path / "clock.json")
    clock.set_clock(settings.PORTAL_CLOCK_FILE, frozen=clock.now())
    monkeypatch.setattr(bulk, "_run", lambda *args: None)  # the web process dies at once
    riyadh = three_sites["riyadh"]
    rows = [f"{riyadh.pk}:{i}" for i in insert(standin, "riyadh", 2)]
    client.force_login(member)
    location, job_id = start(client, {"action": "status:done", "row": rows})
    waiting = client.get(location).content.decode()
    assert "0 of 2 done" in waiting and 'data-state="pending"' in waiting

    later = clock.now() + timedelta(seconds=bulk.STALL_SECONDS + 1)
    clock.set_clock(settings.PORTAL_CLOCK_FILE, frozen=later)
    ended = client.get(location).content.decode()
    assert "2 of 2 done" in ended and "2 failed" in ended
    assert "Interrupted before this task was done" in ended
    assert 'data-state="pending"' not in ended
    for key in rows:  # nothing was changed on the site
        task_id = int(key.split(":")[1])
        assert standin.sites["riyadh"].control.task(task_id)["status"] == "Todo"
