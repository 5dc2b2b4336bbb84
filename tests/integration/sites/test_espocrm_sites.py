"""EspoCRM sites through the pages, against the stand-in: registered with an API user's key,
people connected with their user name and password (kept nowhere), tasks read and written,
and the site's own webhooks made by the portal and stopping reminders."""

from __future__ import annotations

import re
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
    assert "Redirect URI" not in page  # no OAuth Client on such sites
    assert f'href="/notifications/sites/{site.pk}/webhook/" id="webhooks-link"' in page
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


def test_a_deferred_task_counts_as_finished_and_the_page_says_so(client, espo, connected):
    from portal.notifications.models import WatchedTask
    from portal.notifications.services.runs import scan_run_inline, scan_run_start

    site = connected
    yesterday = _utc(datetime.now(UTC) - timedelta(days=1))
    deferred = espo.insert(name="Repaint later", assigned_user="sales1", status="Deferred",
                           date_end=yesterday)  # fmt: skip
    overdue = espo.insert(name="Fix the door", assigned_user="sales1", date_end=yesterday)
    html = client.get("/?scope=mine&bucket=overdue").content.decode()
    assert "Fix the door" in html and "Repaint later" not in html
    page = client.get(f"/tasks/{site.pk}/{deferred}/").content.decode()
    assert "status “<bdi>Deferred</bdi>” as finished" in page
    assert (
        'id="counted-as-finished"'
        not in client.get(f"/tasks/{site.pk}/{overdue}/").content.decode()
    )
    scan_run_inline(run=scan_run_start(trigger="test"))
    assert set(WatchedTask.objects.filter(site=site).values_list("task_id", flat=True)) == {overdue}


def test_the_filter_page_bulk_jobs_and_reports_work_with_an_espocrm_site(
    client, espo, connected, member, django_user_model
):
    from portal.reports.services.snapshot import snapshot_take
    from portal.sites.models import Profile
    from portal.tasks_ui.models import BulkJob, BulkRow
    from tests.integration.tasks_ui.bulk_support import post_job, run_here
    from tests.integration.tasks_ui.helpers import row_keys

    site = connected
    yesterday = _utc(datetime.now(UTC) - timedelta(days=1))
    urgent = espo.insert(name="Gas leak check", assigned_user="sales1", priority="Urgent",
                         date_end=yesterday)  # fmt: skip
    normal = espo.insert(name="Gas meter reading", assigned_user="sales1", date_end=yesterday)
    espo.insert(name="Water meter reading", assigned_user="sales1", priority="Urgent")
    found = row_keys(client.get("/tasks/", {"q": "gas", "priority": ["Urgent"],
                                            "site": [site.pk]}).content.decode())  # fmt: skip
    assert found == [(site.pk, urgent)]
    # Every filter went as bracket parameters: a JSON `where` would have filtered nothing.
    lists = [r for r in espo.requests if r["method"] == "GET" and r["path"].endswith("/Task")]
    assert lists and not any(k == "where" for r in lists for k, _v in r["query"])

    location, job = post_job(
        client,
        {
            "action": "status:done",
            "confirmed": "",
            "row": [f"{site.pk}:{urgent}", f"{site.pk}:{normal}"],
        },
    )
    run_here(job)
    assert set(BulkRow.objects.filter(job__public_id=job).values_list("state", flat=True)) == {
        BulkRow.State.OK
    }
    assert BulkJob.objects.get(public_id=job).status == "finished"
    assert {espo.tasks[t]["status"] for t in (urgent, normal)} == {"Completed"}

    late = espo.insert(name="Overdue inspection", assigned_user="sales1", date_end=yesterday)
    snapshot = snapshot_take(site=site)
    assert snapshot.ok, snapshot.error
    lead = django_user_model.objects.create_user("leila", email="leila@example.com")
    Profile.objects.create(user=lead, role=Profile.Role.LEAD)
    SiteGrant.objects.create(site=site, user=lead)
    client.force_login(lead)
    report = client.get("/reports/", {"site": [site.pk]}).content.decode()
    assert "Overdue inspection" in report and f"/tasks/{site.pk}/{late}/" in report


def test_the_health_badge_of_an_espocrm_site_follows_its_api_user(client, admin_user, espo):
    from portal.sites.services.health import site_health, site_health_refresh

    site = register(client, admin_user, espo)
    site_health_refresh(site=site)
    health = site_health(site=Site.objects.get(pk=site.pk))
    assert (health.level, health.reachable, health.credential_ok) == ("ok", True, True)
    credential = ServiceCredential.objects.get(site=site)
    credential.api_secret = "not-the-secret"
    credential.save()
    site_health_refresh(site=site)
    health = site_health(site=Site.objects.get(pk=site.pk))
    assert (health.level, health.reachable, health.credential_ok) == ("error", True, False)


def test_the_connect_page_of_an_espocrm_site_reads_right_in_arabic(
    client, admin_user, member, espo
):
    from portal.sites.models import Profile

    site = register(client, admin_user, espo)
    SiteGrant.objects.create(site=site, user=member)
    Profile.objects.filter(user=member).update(language="ar")
    client.force_login(member)
    client.cookies["django_language"] = "ar"
    page = client.get(f"/sites/{site.pk}/connect/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "باسم المستخدم وكلمة المرور في الموقع" in page
    assert "ولا تحتفظ بكلمة المرور في أي مكان" in page


def test_a_bulk_status_change_goes_through_one_mass_action_where_the_role_allows_it(
    client, espo, connected
):
    from portal.tasks_ui.models import BulkRow
    from tests.integration.tasks_ui.bulk_support import post_job, run_here

    site = connected
    for role in espo.state.roles.values():
        if role.name == "sales1 role":  # the person's role: mass update allowed
            role.mass_update = "yes"
    ids = [espo.insert(name=f"Meter {i}", assigned_user="sales1") for i in range(5)]
    _location, job = post_job(client, {"action": "status:in_progress", "confirmed": "",
                                       "row": [f"{site.pk}:{i}" for i in ids]})  # fmt: skip
    before = len(espo.requests)
    run_here(job)
    sent = [(r["method"], r["path"]) for r in espo.requests[before:]]
    assert sent.count(("POST", "/api/v1/MassAction")) == 1
    assert not any(m == "PUT" for m, _p in sent)  # not task by task
    assert {espo.tasks[i]["status"] for i in ids} == {"Started"}
    rows = BulkRow.objects.filter(job__public_id=job)
    assert set(rows.values_list("state", flat=True)) == {BulkRow.State.OK}
    audited = AuditEntry.objects.filter(site=site, action="task_status", ok=True)
    assert set(audited.values_list("task_id", flat=True)) == set(ids)


def test_an_overdue_espocrm_task_reaches_its_assignee_in_a_digest_with_its_due_day(
    client, espo, connected, member
):
    from portal.notifications.models import Channel, Delivery
    from portal.notifications.services.messages import message_render
    from portal.notifications.services.runs import scan_run_inline, scan_run_start
    from tests.integration.notifications.conftest import make_rule

    member.email = "mona@portal.test"
    member.save()
    Channel.objects.create(name="Email", kind=Channel.Kind.EMAIL)
    make_rule()
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).astimezone(espo.clock.zone).date()
    all_day = espo.insert(name="Quarterly fire drill", assigned_user="sales1",
                          date_end_date=two_days_ago.isoformat())  # fmt: skip
    timed = espo.insert(name="Boiler check", assigned_user="sales1",
                        date_end=_utc(datetime.now(UTC) - timedelta(hours=30)))  # fmt: skip
    scan_run_inline(run=scan_run_start(trigger="test"))
    digest = Delivery.objects.get(recipient="mona@portal.test")
    assert {i.task_id for i in digest.items.all()} == {all_day, timed}
    text = message_render(digest).text
    # The all-day task is due that day: printed as the day alone, not as a moment near it.
    assert re.search(rf"due {two_days_ago.isoformat()}(?! \d\d:\d\d)", text), text
    assert re.search(r"due \d{4}-\d\d-\d\d \d\d:\d\d", text)  # the timed one has a time


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


def test_a_search_on_an_espocrm_site_finds_names_and_descriptions(client, espo, connected):
    site = connected
    by_name = espo.insert(name="Service the Gazelle unit", assigned_user="sales1")
    by_words = espo.insert(name="Site visit", assigned_user="sales1",
                           description="Check the\ngazelle pump first")  # fmt: skip
    espo.insert(name="Site visit two", assigned_user="sales1", description="nothing to see")

    html = client.get("/tasks/", {"q": "GAZELLE", "site": [site.pk]}).content.decode()

    shown = set(re.findall(rf'<tr id="task-{site.pk}-(\w+)"', html))
    assert shown == {by_name, by_words}
    sent = [r for r in espo.requests if r["method"] == "GET" and "where" in str(r)]
    assert any("like" in str(r) and "description" in str(r) for r in sent)
