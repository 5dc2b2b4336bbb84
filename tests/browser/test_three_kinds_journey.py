"""Three kinds of site in one portal, as an admin and a person use them through the pages: the
admin registers an EspoCRM site with an HMAC API user's key and reads its vocabularies in the
doctor; the person connects with their EspoCRM user name and password, sees the overdue tasks
of a Frappe, a Django-CRM and the EspoCRM site in one inbox (an Urgent one marked urgent), and
creates (one assignee required, as the form says), edits, completes and deletes a task on the
EspoCRM site, each write checked at the stand-in."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from portal.sites.models import (
    Connection,
    Profile,
    ServiceCredential,
    Site,
    SiteGrant,
)
from standin.djangocrm import DjangoCrmSite
from standin.espocrm import EspoCrmSite
from tests.browser.conftest import log_in, log_out, portal_errors, replaced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZONE = "Asia/Riyadh"  # every site's clock: one "today" for the whole journey
ADMIN_PASSWORD, PERSON_PASSWORD = "Ada-Pass-2026!", "Mona-Pass-2026!"
ESPO_PASSWORD = "Sales-One-Pass-2026"
CRM_ADMIN = "admin@jeddah.test"
FRAPPE_PERSON = "sales1@riyadh.test"  # the person on the Frappe and Django-CRM sites


@pytest.fixture
def espo():
    """An EspoCRM stand-in on Riyadh time: an HMAC API user (scheduled jobs) and the person."""
    with EspoCrmSite(time_zone=ZONE) as site:
        site.add_api_user("portal", hmac=True)
        site.add_user("sales1", ESPO_PASSWORD, first_name="Sales", last_name="One")
        yield site


@pytest.fixture
def crm():
    with DjangoCrmSite(
        users=[CRM_ADMIN, FRAPPE_PERSON], admins=[CRM_ADMIN], time_zone=ZONE
    ) as site:
        yield site


@pytest.fixture
def world(portal_site, connect, django_user_model, settings, live_server, crm):
    """An admin, and a person connected to the Frappe site Riyadh and the Django-CRM site
    Jeddah Ops (both set up as the other journeys do: not what this one is about)."""
    settings.PORTAL_BASE_URL = live_server.url
    admin = django_user_model.objects.create_user("ada", password=ADMIN_PASSWORD)
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    person = django_user_model.objects.create_user("mona", password=PERSON_PASSWORD)
    Profile.objects.create(user=person, role=Profile.Role.MEMBER)
    riyadh = portal_site("riyadh", time_zone=ZONE)
    SiteGrant.objects.create(site=riyadh, user=person)
    connect(person, riyadh, "sales1")
    jeddah = django_crm_site_connected(person, crm)
    return person, riyadh, jeddah


def django_crm_site_connected(person, crm) -> Site:
    site = Site.objects.create(
        name="Jeddah Ops", backend=Site.Backend.DJANGOCRM, base_url=crm.url,
        organisation=crm.org_id, time_zone=ZONE,
    )  # fmt: skip
    ServiceCredential.objects.create(
        site=site, kind=ServiceCredential.Kind.TOKEN, api_secret=crm.token_for(CRM_ADMIN)
    )
    SiteGrant.objects.create(site=site, user=person)
    Connection.objects.create(
        user=person, site=site, site_user_id=FRAPPE_PERSON,
        token={"kind": "pat", "access_token": crm.token_for(FRAPPE_PERSON)},
    )  # fmt: skip
    return site


def today() -> date:
    return datetime.now(ZoneInfo(ZONE)).date()


def frappe_overdue_task(standin, title: str, days: int) -> str:
    due = datetime.now(ZoneInfo(ZONE)) - timedelta(days=days)
    [task_id] = standin.sites["riyadh"].control.insert_tasks([{
        "title": title, "priority": "High", "status": "Todo", "assignees": [FRAPPE_PERSON],
        "start_date": (due - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
        "due_date": due.strftime("%Y-%m-%d %H:%M:%S"),
    }])  # fmt: skip
    return str(task_id)


def espo_overdue_task(espo, title: str, days: int, priority="Normal", assigned_user="sales1"):
    """An open task on the EspoCRM stand-in, due `days` ago (EspoCRM keeps UTC); its id."""
    due = datetime.now(UTC) - timedelta(days=days)
    return espo.insert(name=title, assigned_user=assigned_user, priority=priority,
                       date_end=due.strftime("%Y-%m-%d %H:%M:%S"))  # fmt: skip


def admin_registers_the_espocrm_site(page, live_server, espo) -> Site:
    key, secret = espo.api_key_for("portal")
    page.get_by_role("link", name="Sites").click()
    page.get_by_role("link", name="Add a site").click()
    page.get_by_label("Name").fill("Dammam Service")
    page.get_by_label("CRM").select_option(label="EspoCRM")
    page.get_by_label("Base URL").fill(espo.url)
    page.get_by_label("Time zone").fill(ZONE)
    page.get_by_label("API key for scheduled jobs").fill(key)
    page.get_by_label("API secret").fill(secret)
    page.get_by_role("button", name="Save and check").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server.url)}/sites/\d+/$"))
    return Site.objects.get(name="Dammam Service")


def person_connects_with_a_password(page, site: Site, user_name: str, password: str):
    page.get_by_role("link", name="Sites").click()
    page.get_by_role("link", name=site.name).click()
    page.get_by_role("link", name="Connect my account").click()
    by_password = page.get_by_role("region", name="With your user name and password on the site")
    by_password.get_by_label("User name").fill(user_name)
    by_password.get_by_label("Password").fill(password)
    by_password.get_by_role("button", name="Connect").click()


def person_opens_a_new_task_form(page, site: Site):
    page.get_by_role("link", name="New task").first.click()
    page.get_by_label("On which site?").select_option(label=site.name)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name=f"Create on {site.name}")).to_be_visible()


def writes_to(espo, task_id: str) -> list[dict]:
    """The requests that changed this task at the stand-in, oldest first."""
    return [r for r in espo.requests
            if r["method"] != "GET" and r["path"].rstrip("/").endswith(task_id)]  # fmt: skip


def row_of(page, site: Site, task_id: str):
    return page.locator(f"#task-{site.pk}-{task_id}")


def test_an_espocrm_site_beside_a_frappe_and_a_django_crm_site(
    page, live_server, world, crm, espo, standin, console_errors
):
    person, riyadh, jeddah = world
    frappe_late = frappe_overdue_task(standin, "Frappe: call the landlord back", days=400)
    crm_late = crm.insert(title="Django-CRM: renew the lease", priority="High",
                          due=today() - timedelta(days=400), assignees=[FRAPPE_PERSON],
                          created_by=CRM_ADMIN)  # fmt: skip
    espo_late = espo_overdue_task(espo, "EspoCRM: replace the filter", days=3, priority="Urgent")
    espo_overdue_task(espo, "EspoCRM: someone else's", days=3, assigned_user="admin")

    # 1. The admin registers the EspoCRM site with an HMAC API user; the doctor reads it.
    log_in(page, live_server, "ada", ADMIN_PASSWORD)
    dammam = admin_registers_the_espocrm_site(page, live_server, espo)
    vocabulary = page.locator("#vocabulary")
    expect(vocabulary.locator("dd").nth(0)).to_have_text(
        "Not Started, Started, Completed, Canceled, Deferred"
    )
    expect(vocabulary.locator("dd").nth(1)).to_contain_text("Urgent")
    credential = ServiceCredential.objects.get(site=dammam)
    assert credential.last_success_at and not credential.last_error
    _key, secret = espo.api_key_for("portal")
    assert all(secret not in str(r) for r in espo.requests)  # HMAC: signed with, never sent
    SiteGrant.objects.create(site=dammam, user=person)
    log_out(page, live_server)

    # 2. The person connects with their EspoCRM user name and password.
    log_in(page, live_server, "mona", PERSON_PASSWORD)
    person_connects_with_a_password(page, dammam, "sales1", ESPO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/sites/{dammam.pk}/")
    connection = Connection.objects.get(user=person, site=dammam)
    assert connection.site_user_id == espo.user_id("sales1")
    assert ESPO_PASSWORD not in str(connection.token)

    # 3. One inbox: the overdue tasks of all three sites; the Urgent one marked urgent.
    page.goto(f"{live_server.url}/?scope=mine&bucket=overdue")
    for site, task_id in ((riyadh, frappe_late), (jeddah, crm_late), (dammam, espo_late)):
        expect(row_of(page, site, task_id)).to_be_visible()
        expect(row_of(page, site, task_id)).to_have_attribute("data-site", site.name)
    expect(page.get_by_text("EspoCRM: someone else's")).to_have_count(0)
    expect(row_of(page, dammam, espo_late).locator(".prio-urgent")).to_have_text("Urgent")

    # 4. Create on the EspoCRM site: the form says one assignee is required, and insists.
    person_opens_a_new_task_form(page, dammam)
    expect(page.locator("#form-area")).to_contain_text(
        "These sites take one person per task, and refuse a task without one."
    )
    expect(page.get_by_label("Priority")).to_have_value("Normal")
    page.get_by_label("Title").fill("Inspect the roof")
    page.get_by_label("Priority").select_option("High")
    page.get_by_label("Due").fill("2031-05-04T15:30")
    tasks_before = len(espo.tasks)
    with replaced(page, "#form-area"):
        page.get_by_role("button", name="Create on Dammam Service").click()
    expect(page.locator("#form-area")).to_contain_text(
        "Choose who the task is for: Dammam Service refuses a task without someone assigned."
    )
    assert len(espo.tasks) == tasks_before  # refused before anything was sent
    page.get_by_label("Or type site user ids").fill(espo.user_id("sales1"))
    page.get_by_role("button", name="Create on Dammam Service").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{dammam.pk}/[0-9a-f]{{17}}/$"))
    task_id = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.get_by_text(f"Task {task_id} created on Dammam Service.")).to_be_visible()
    stored = espo.tasks[task_id]
    assert (stored["name"], stored["status"], stored["priority"]) == (
        "Inspect the roof", "Not Started", "High"
    )  # fmt: skip
    assert stored["assignedUserId"] == espo.user_id("sales1")
    # 15:30 in Riyadh is 12:30 UTC, as EspoCRM keeps it; the page shows it on the reader's clock
    # (UTC here) with the site's on hover, and lists no field of the portal's own making beside
    # the site's.
    assert stored["dateEnd"] == "2031-05-04 12:30:00"
    due = page.locator("#task-summary dt:text-is('Due') + dd time")
    expect(due).to_have_text("May 4, 2031, 12:30 p.m.")
    expect(due).to_have_attribute("title", "Site time: May 4, 2031, 3:30 p.m., Asia/Riyadh")
    expect(page.locator("#task-summary dl.fields")).not_to_contain_text("portal_priority")

    # 5. Edit: only what changed is sent.
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Title")).to_have_value("Inspect the roof")
    page.get_by_label("Title").fill("Inspect the roof (bring the ladder)")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}/tasks/{dammam.pk}/{task_id}/")
    expect(page.get_by_text("Saved on Dammam Service.")).to_be_visible()
    assert espo.tasks[task_id]["name"] == "Inspect the roof (bring the ladder)"
    assert espo.tasks[task_id]["dateEnd"] == "2031-05-04 12:30:00"
    edit = writes_to(espo, task_id)[-1]
    assert json.loads(edit["body"]) == {"name": "Inspect the roof (bring the ladder)"}

    # 6. Done: Completed at the site.
    summary = page.locator("#task-summary")
    with replaced(page, "#task-summary"):
        summary.get_by_role("button", name="Set to Done").click()
    expect(page.locator("#task-summary")).to_contain_text("Done (Completed)")
    assert espo.tasks[task_id]["status"] == "Completed"
    assert json.loads(writes_to(espo, task_id)[-1]["body"]) == {"status": "Completed"}

    # 7. Delete.
    page.locator("#task-summary").get_by_role("link", name="Delete").click()
    expect(page.locator("main")).to_contain_text("Inspect the roof (bring the ladder)")
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server.url)}/(\?.*)?$"))
    expect(page.get_by_text("Deleted “Inspect the roof (bring the ladder)” on Dammam Service."))\
        .to_be_visible()  # fmt: skip
    assert task_id not in espo.tasks
    assert writes_to(espo, task_id)[-1]["method"] == "DELETE"
    assert portal_errors(console_errors, live_server) == []
