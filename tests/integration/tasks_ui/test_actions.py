"""Every task action, each checked at the stand-in: status from a row (htmx and plain post),
create on every flavour with its own vocabulary, edit sending only what changed, a stale edit
refused with the fresh values, assign, delete, read-only accounts, the site's 417 message."""

import re

import pytest

from portal.sites.backends.frappe import ApiKeyAuth, FrappeClient
from portal.sites.models import AuditEntry, Connection
from portal.sites.outgoing import http_from_settings

from .conftest import ZONES
from .helpers import all_tasks, form_data, single

pytestmark = pytest.mark.django_db(transaction=True)


def open_task(standin, name, *, assigned_to=None):
    handle = standin.sites[name]
    [task_id] = handle.control.insert_tasks(
        [
            {
                "title": f"Action target on {name}",
                "status": "Open" if name == "cairo" else "Todo",
                "priority": "High",
                "task_type": None if name == "plainsite" else "call",
                "assignees": [assigned_to] if assigned_to else [],
            }
        ]
    )
    return task_id


def manager_client(standin, name):
    handle = standin.sites[name]
    domain = f"{name}.test"[:6]
    flavour = {"riyadh": "deployed", "cairo": "documented", "plainsite": "plain"}[name]
    return FrappeClient(
        handle.url,
        ApiKeyAuth(f"manager1key{domain}", f"manager1secret{domain}"),
        time_zone=ZONES[name],
        flavour=flavour,
        http=http_from_settings(),
    )


@pytest.mark.parametrize("name", ["riyadh", "cairo", "plainsite"])
def test_done_from_a_row_swaps_the_row_and_refreshes_counts(
    client, member, three_sites, standin, name
):
    task_id = open_task(standin, name)
    site = three_sites[name]
    client.force_login(member)
    response = client.post(
        f"/tasks/{site.pk}/{task_id}/status/",
        {"status": "done", "next": "/"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"task-{site.pk}-{task_id}",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="task-{site.pk}-{task_id}" class="finished"')
    assert "tasks-changed" in response["HX-Trigger"] and "announce" in response["HX-Trigger"]
    assert standin.sites[name].control.task(task_id)["status"] in ("Done", "Completed")
    entry = AuditEntry.objects.get(site=site, task_id=str(task_id), action="task_status")
    assert entry.ok and entry.changes == {"status": "done"} and entry.username == "mona"


def test_status_without_javascript_posts_and_goes_back(client, member, three_sites, standin):
    task_id = open_task(standin, "riyadh")
    site = three_sites["riyadh"]
    client.force_login(member)
    response = client.post(
        f"/tasks/{site.pk}/{task_id}/status/", {"status": "in_progress", "next": "/?bucket=late"}
    )
    assert response.status_code == 302 and response["Location"] == "/?bucket=late"
    assert standin.sites["riyadh"].control.task(task_id)["status"] == "In Progress"
    response = client.post(
        f"/tasks/{site.pk}/{task_id}/status/", {"status": "x", "next": "https://evil.example/"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("riyadh", {"task_type": "property showing", "status": "Backlog", "priority": "Low"}),
        ("cairo", {"status": "In Progress", "priority": "High"}),  # no task types there
        ("plainsite", {"status": "Todo", "priority": "Medium"}),
    ],
)
def test_create_on_each_flavour_with_its_own_vocabulary(
    client, member, three_sites, standin, name, fields
):
    site = three_sites[name]
    client.force_login(member)
    page = client.get(f"/tasks/{site.pk}/new/").content.decode()
    for value in fields.values():
        assert f'value="{value}"' in page  # offered from the site's own options
    data = single(
        form_data(page, f"/tasks/{site.pk}/new/"),
        title="Viewing with the Al-Harbi family",
        start_date="2031-05-04T10:30",
        due_date="2031-05-04T12:00",
        assignees=[],
        other_people=f"sales2@{name}.test",  # typed: the portal has not seen this person yet
        **fields,
    )
    response = client.post(f"/tasks/{site.pk}/new/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    task_id = int(re.search(rf"/tasks/{site.pk}/(\d+)/$", response["Location"]).group(1))
    row = standin.sites[name].control.task(task_id)
    assert row["title"] == "Viewing with the Al-Harbi family"
    assert row["start_date"].startswith("2031-05-04 10:30")
    assert row["priority"] == fields["priority"] and row["status"] == fields["status"]
    assert row["assignees"] == [f"sales2@{name}.test"]
    assert AuditEntry.objects.filter(site=site, action="task_create", ok=True).exists()


def test_a_refusal_by_the_site_shows_its_message_next_to_the_form_with_the_input_kept(
    client, member, three_sites, standin
):
    site = three_sites["plainsite"]
    client.force_login(member)
    page = client.get(f"/tasks/{site.pk}/new/").content.decode()
    data = single(
        form_data(page, f"/tasks/{site.pk}/new/"),
        title="Kept after the refusal",
        other_people="nobody@plainsite.test",
    )
    response = client.post(f"/tasks/{site.pk}/new/", data, HTTP_HX_REQUEST="true",
                           HTTP_HX_TARGET="form-area")  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "Could not find Assigned To: nobody@plainsite.test" in html
    assert "Plainsite did not accept this" in html
    assert 'value="Kept after the refusal"' in html and 'value="nobody@plainsite.test"' in html
    assert html.lstrip().startswith('<div id="form-area">')
    entry = AuditEntry.objects.get(site=site, action="task_create")
    assert not entry.ok and "Could not find" in entry.error


def test_edit_sends_only_the_changed_fields(client, member, three_sites, standin, monkeypatch):
    task_id = open_task(standin, "riyadh")
    site = three_sites["riyadh"]
    sent = []
    original = FrappeClient.edit_task

    def spy(self, task_id, **kwargs):
        sent.append(kwargs)
        return original(self, task_id, **kwargs)

    monkeypatch.setattr(FrappeClient, "edit_task", spy)
    client.force_login(member)
    page = client.get(f"/tasks/{site.pk}/{task_id}/edit/").content.decode()
    data = single(form_data(page, f"/tasks/{site.pk}/{task_id}/edit/"), priority="Low")
    response = client.post(f"/tasks/{site.pk}/{task_id}/edit/", data)
    assert response.status_code == 302
    assert [set(call) for call in sent] == [{"expected_modified", "priority"}]
    assert standin.sites["riyadh"].control.task(task_id)["priority"] == "Low"


def test_an_edit_on_an_outdated_copy_is_refused_with_the_fresh_values(
    client, member, three_sites, standin
):
    task_id = open_task(standin, "riyadh")
    site = three_sites["riyadh"]
    client.force_login(member)
    url = f"/tasks/{site.pk}/{task_id}/edit/"
    page = client.get(url).content.decode()
    manager_client(standin, "riyadh").edit_task(task_id, title="Renamed by the manager")
    data = single(form_data(page, url), title="My own title")
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Renamed by the manager" in html and 'value="My own title"' in html
    assert "was changed on Riyadh since you opened it" in html
    assert standin.sites["riyadh"].control.task(task_id)["title"] == "Renamed by the manager"
    # The refused form now carries the fresh copy: saving again is a deliberate overwrite.
    again = client.post(url, single(form_data(html, url), title="My own title"))
    assert again.status_code == 302
    assert standin.sites["riyadh"].control.task(task_id)["title"] == "My own title"


def test_assign_and_reassign_from_the_task_page(client, member, three_sites, standin):
    task_id = open_task(standin, "riyadh", assigned_to="sales1@riyadh.test")
    site = three_sites["riyadh"]
    client.force_login(member)
    url = f"/tasks/{site.pk}/{task_id}/assign/"
    page = client.get(f"/tasks/{site.pk}/{task_id}/").content.decode()
    data = single(form_data(page, url), assignees=[], other_people="sales2@riyadh.test")
    assert client.post(url, data).status_code == 302
    assert standin.sites["riyadh"].control.task(task_id)["assignees"] == ["sales2@riyadh.test"]
    page = client.get(f"/tasks/{site.pk}/{task_id}/").content.decode()
    assert 'value="sales2@riyadh.test" selected' in page  # now a person the portal knows
    # Option text cannot hold <bdi>: isolate marks keep each person in order on Arabic pages.
    assert ">\u2068sales2@riyadh.test\u2069</option>" in page
    data = single(form_data(page, url), assignees=["sales1@riyadh.test", "sales2@riyadh.test"])
    assert client.post(url, data).status_code == 302
    assigned = standin.sites["riyadh"].control.task(task_id)["assignees"]
    assert sorted(assigned) == ["sales1@riyadh.test", "sales2@riyadh.test"]
    actions = AuditEntry.objects.filter(site=site, task_id=str(task_id), action="task_reassign")
    assert actions.count() == 2


def test_delete_asks_naming_the_task_and_site_then_deletes(client, member, three_sites, standin):
    task_id = open_task(standin, "cairo")
    site = three_sites["cairo"]
    client.force_login(member)
    confirm = client.get(f"/tasks/{site.pk}/{task_id}/delete/?title=Action+target+on+cairo")
    text = confirm.content.decode()
    assert "Action target on cairo" in text and "Cairo" in text and "cannot be undone" in text
    assert standin.sites["cairo"].control.task(task_id) is not None
    response = client.post(
        f"/tasks/{site.pk}/{task_id}/delete/",
        {"title": "Action target on cairo"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"task-{site.pk}-{task_id}",
    )
    assert 'class="gone"' in response.content.decode()
    assert "Deleted “Action target on cairo” on Cairo." in response.content.decode()
    assert standin.sites["cairo"].control.task(task_id) is None
    assert AuditEntry.objects.filter(site=site, task_id=str(task_id), action="task_delete").exists()


def test_an_account_without_a_crm_role_shows_tasks_read_only_saying_why(
    client, member, portal_site, grant, site_login, standin, frozen_now
):
    site = portal_site("riyadh", time_zone="Asia/Riyadh")
    grant(member, site)
    connection = site_login(member, site, "norole")
    task_id = open_task(standin, "riyadh", assigned_to="norole@riyadh.test")
    client.force_login(member)
    # Reads work (mobile_api ignores permissions; the generic list refuses this account).
    html = client.get("/?scope=mine&bucket=today").content.decode()
    assert f'id="task-{site.pk}-{task_id}"' in html
    response = client.post(f"/tasks/{site.pk}/{task_id}/status/", {"status": "done"})
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.can_write is False
    assert standin.sites["riyadh"].control.task(task_id)["status"] == "Todo"
    html = client.get("/?scope=mine&bucket=today").content.decode()
    assert "Read only" in html and f'value="{site.pk}:{task_id}"' not in html
    page = client.get(f"/tasks/{site.pk}/{task_id}/").content.decode()
    assert "may read tasks but not change them" in page and "norole@riyadh.test" in page
    # Writes are now refused in the portal without asking the site again.
    response = client.post(f"/tasks/{site.pk}/{task_id}/status/", {"status": "done"})
    assert AuditEntry.objects.filter(action="task_status", ok=False).count() == 2
    client.post(f"/tasks/{site.pk}/write-access/", {"next": "/"})
    assert Connection.objects.get(pk=connection.pk).can_write is None


def test_the_task_page_shows_every_field_a_link_to_the_site_and_its_history(
    client, member, three_sites, standin
):
    task_id = open_task(standin, "riyadh")
    site = three_sites["riyadh"]
    client.force_login(member)
    client.post(f"/tasks/{site.pk}/{task_id}/status/", {"status": "in_progress"})
    html = client.get(f"/tasks/{site.pk}/{task_id}/").content.decode()
    assert f"{site.base_url}/app/crm-task/{task_id}" in html
    # The site's further fields under labels, never their raw names.
    for label in ("Linked to", "Last changed by", "Reminder set on the site"):
        assert f"<dt>{label}</dt>" in html
    for key in ("reference_doctype", "modified_by", "has_reminder", "docstatus"):
        assert key not in html
    # The portal's history in words: the action and the status, not "task_status: in_progress".
    assert "Changed the status" in html and "<bdi>In progress</bdi>" in html
    assert "task_status" not in html and "{&#x27;status&#x27;" not in html
    assert '<dd class="description">—</dd>' in html  # the task has none: no "None"
    assert "Action target on riyadh" in html


def test_titles_from_a_site_are_escaped(client, member, three_sites, standin):
    handle = standin.sites["riyadh"]
    [task_id] = handle.control.insert_tasks(
        [{"title": "<script>alert(1)</script><b>bold</b>", "assignees": ["sales1@riyadh.test"]}]
    )
    client.force_login(member)
    site = three_sites["riyadh"]
    html = client.get(f"/tasks/{site.pk}/{task_id}/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = client.get("/?scope=mine&bucket=today").content.decode()
    assert "<b>bold</b>" not in html


def test_a_missing_task_is_a_404_page_not_a_500(client, member, three_sites, standin):
    client.force_login(member)
    site = three_sites["plainsite"]
    response = client.get(f"/tasks/{site.pk}/999999/")
    assert response.status_code == 404
    assert (
        "did not find it" in response.content.decode()
        or "no such task" in response.content.decode()
    )


def test_all_tasks_helper_sees_every_row(standin, three_sites):
    assert len(all_tasks(standin.sites["plainsite"], "UTC")) >= 40


def test_the_task_page_lists_the_reminders_of_the_task(
    client, member, three_sites, standin, monkeypatch
):
    from datetime import UTC, datetime

    from portal.notifications.selectors import HistoryEntry

    site = three_sites["riyadh"]
    task_id = open_task(standin, "riyadh")
    asked = []

    def history(*, site_id, task_id):
        asked.append((site_id, task_id))
        return [
            HistoryEntry(
                delivery_id=1, at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC), status="sent",
                status_label="sent", step="first", channel="Team mail", channel_kind="email",
                recipient="sales1@riyadh.test", rule="Overdue, high", error="",
                step_words="first reminder",
            )
        ]  # fmt: skip

    monkeypatch.setattr("portal.notifications.selectors.reminder_history_for_task", history)
    client.force_login(member)
    html = client.get(f"/tasks/{site.pk}/{task_id}/").content.decode()
    assert asked == [(site.pk, str(task_id))]
    reminders = html.split('id="reminders"')[1]
    assert "Team mail" in reminders and "sales1@riyadh.test" in reminders and "first" in reminders
