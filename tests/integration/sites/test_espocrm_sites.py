"""EspoCRM sites through the pages, against the stand-in: registered with an API user's key,
people connected with their user name and password (kept nowhere), tasks read and written,
and the site's own webhooks made by the portal and stopping reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.sites.models import AuditEntry, Connection, ServiceCredential, Site, SiteGrant
from standin.espocrm import EspoCrmSite

pytestmark = pytest.mark.django_db(transaction=True)  # pages read sites from worker threads
PASSWORD = "Sales-One-Pass-2026"


@pytest.fixture
def espo():
    with EspoCrmSite(time_zone="Asia/Riyadh") as crm:
        crm.add_api_user("portal", hmac=True)
        crm.add_user("sales1", PASSWORD, first_name="Sales", last_name="One")
        yield crm


def register(client, admin_user, crm) -> Site:
    key, secret = crm.api_key_for("portal")
    client.force_login(admin_user)
    response = client.post("/sites/add/", {
        "name": "Dammam Service", "backend": "espocrm", "base_url": crm.url,
        "time_zone": "Asia/Riyadh", "service_api_key": key, "service_api_secret": secret,
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-3000:]
    return Site.objects.get(name="Dammam Service")


def test_an_admin_registers_an_espocrm_site_with_an_api_user_and_the_doctor_reads_it(
    client, admin_user, espo
):
    site = register(client, admin_user, espo)
    credential = ServiceCredential.objects.get(site=site)
    assert credential.last_success_at and not credential.last_error
    assert site.vocabulary["statuses"][:2] == ["Not Started", "Started"]
    assert "Urgent" in site.vocabulary["priorities"]
    page = client.get(f"/sites/{site.pk}/").content.decode()
    assert "Deferred" in page and "OAuth2 provider" not in page
    # HMAC: the secret key signed the calls; it is never sent itself.
    _key, secret = espo.api_key_for("portal")
    assert espo.requests and all(secret not in str(r) for r in espo.requests)


def test_a_person_connects_with_their_password_which_the_portal_keeps_nowhere(
    client, admin_user, member, espo
):
    site = register(client, admin_user, espo)
    SiteGrant.objects.create(site=site, user=member)
    client.force_login(member)
    page = client.get(f"/sites/{site.pk}/connect/").content.decode()
    assert 'name="password"' in page and "keeps the password nowhere" in page
    refused = client.post(
        f"/sites/{site.pk}/connect/", {"how": "password", "username": "sales1", "password": "wrong"}
    )
    assert refused.status_code == 400
    assert "did not accept this user name and password" in refused.content.decode()
    done = client.post(
        f"/sites/{site.pk}/connect/",
        {"how": "password", "username": "sales1", "password": PASSWORD},
    )
    assert done["Location"] == f"/sites/{site.pk}/"
    connection = Connection.objects.get(site=site, user=member)
    assert connection.site_user_id == espo.user_id("sales1")
    assert PASSWORD not in str(connection.token) and connection.token.get("token")
    assert all(PASSWORD not in str(e.changes) + e.credential for e in AuditEntry.objects.all())


@pytest.fixture
def connected(client, admin_user, member, espo):
    site = register(client, admin_user, espo)
    SiteGrant.objects.create(site=site, user=member)
    client.force_login(member)
    client.post(
        f"/sites/{site.pk}/connect/",
        {"how": "password", "username": "sales1", "password": PASSWORD},
    )
    return site


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def test_the_inbox_and_writes_on_an_espocrm_site_are_checked_at_the_stand_in(
    client, espo, connected
):
    site = connected
    now = datetime.now(UTC)
    overdue = espo.insert(name="Replace the filter", assigned_user="sales1",
                          priority="Urgent", date_end=_utc(now - timedelta(days=1)))  # fmt: skip
    yesterday = _utc(now - timedelta(days=1))
    espo.insert(name="Someone else's", assigned_user="admin", date_end=yesterday)
    html = client.get("/?scope=mine&bucket=overdue").content.decode()
    assert "Replace the filter" in html and "Someone else" not in html
    assert "prio-urgent" in html

    response = client.post(f"/tasks/{site.pk}/{overdue}/status/", {"status": "done"})
    assert response.status_code in (200, 302)
    assert espo.tasks[overdue]["status"] == "Completed"
    entry = AuditEntry.objects.get(site=site, task_id=overdue, action="task_status")
    assert entry.ok
    gone = client.post(f"/tasks/{site.pk}/{overdue}/delete/", {"confirmed": "1"})
    assert gone.status_code in (200, 302)
    assert overdue not in espo.tasks


def test_the_portal_makes_the_sites_webhooks_and_a_completion_batch_stops_reminders(
    client, admin_user, espo, live_server, settings
):
    import requests

    from portal.notifications.models import InboundWebhook, TaskTransition, WatchedTask
    from portal.notifications.services.runs import scan_run_inline, scan_run_start

    settings.PORTAL_BASE_URL = live_server.url  # where the site sends its webhooks
    site = register(client, admin_user, espo)
    page = client.get(f"/notifications/sites/{site.pk}/webhook/").content.decode()
    assert "The site holds no webhook to the portal yet." in page
    made = client.post(f"/notifications/sites/{site.pk}/webhook/").content.decode()
    endpoint = f"{live_server.url}/notifications/webhooks/{site.pk}/"
    hooks = [h for h in espo.webhooks.values() if h.get("url") == endpoint]
    assert sorted(h["event"] for h in hooks) == sorted(
        ["Task.create", "Task.update", "Task.delete", "Task.fieldUpdate.status"]
    )
    assert made.count('data-event="Task.') == 4
    client.post(f"/notifications/sites/{site.pk}/webhook/")  # again: kept, not doubled
    assert len([h for h in espo.webhooks.values() if h.get("url") == endpoint]) == 4

    now = datetime.now(UTC)
    first = espo.insert(name="Service the lift", assigned_user="sales1",
                        date_end=_utc(now - timedelta(days=2)))  # fmt: skip
    second = espo.insert(name="Check the pumps", assigned_user="sales1",
                         date_end=_utc(now - timedelta(days=1)))  # fmt: skip
    scan_run_inline(run=scan_run_start(trigger="test"))
    assert set(WatchedTask.objects.filter(site=site).values_list("task_id", flat=True)) == {
        first,
        second,
    }
    # Both completed on the site by its admin; its webhook job then sends them in batches.
    for task_id in (first, second):
        done = requests.put(f"{espo.url}/api/v1/Task/{task_id}", json={"status": "Completed"},
                            auth=("admin", "admin"), timeout=10)  # fmt: skip
        assert done.status_code == 200, done.text
    sent = espo.send_webhooks()
    assert sent and all(d.get("status") == 200 for d in espo.deliveries), espo.deliveries
    closed = WatchedTask.objects.filter(site=site, closed_seq__isnull=False)
    assert set(closed.values_list("task_id", flat=True)) == {first, second}
    assert TaskTransition.objects.filter(site=site, portal_status="done").count() == 2
    assert InboundWebhook.objects.filter(site=site).count() >= 2


def test_the_create_form_of_an_espocrm_site_takes_one_person_and_requires_one(
    client, espo, connected
):
    site = connected
    form = client.get(f"/tasks/{site.pk}/new/").content.decode()
    assert "refuse a task without one" in form
    assert '<select name="assignees"' in form and "multiple" not in form.split(
        '<select name="assignees"')[1].split(">")[0]  # fmt: skip
    before = len(espo.tasks)
    nobody = client.post(f"/tasks/{site.pk}/new/", {"title": "Nobody's", "status": "Not Started",
                                                    "priority": "Normal"})  # fmt: skip
    assert "refuses a task without someone assigned" in nobody.content.decode()
    two = client.post(f"/tasks/{site.pk}/new/", {
        "title": "Two people", "status": "Not Started", "priority": "Normal",
        "other_people": f"{espo.user_id('sales1')}, {espo.user_id('admin')}",
    })  # fmt: skip
    assert "takes one person per task" in two.content.decode()
    assert len(espo.tasks) == before  # nothing was sent
    made = client.post(f"/tasks/{site.pk}/new/", {
        "title": "Inspect the roof", "status": "Not Started", "priority": "Urgent",
        "other_people": espo.user_id("sales1"),
    })  # fmt: skip
    assert made.status_code == 302, made.content.decode()[-2000:]
    [task] = [t for t in espo.tasks.values() if t["name"] == "Inspect the roof"]
    assert task["assignedUserId"] == espo.user_id("sales1") and task["priority"] == "Urgent"


def test_the_task_page_of_an_espocrm_task_shows_no_field_of_the_portals_own_making(
    client, espo, connected
):
    """The task page lists a task's other fields as the site's; an EspoCRM task has none the
    page does not already show, so nothing the backend derives (all_day, portal_priority)."""
    site = connected
    task_id = espo.insert(name="Replace the filter", assigned_user="sales1", priority="Urgent",
                          date_end="2031-05-04 12:30:00")  # fmt: skip
    html = client.get(f"/tasks/{site.pk}/{task_id}/").content.decode()
    assert "Replace the filter" in html and "Urgent" in html
    assert "all_day" not in html and "portal_priority" not in html
