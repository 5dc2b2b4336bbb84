"""A Django-CRM site beside a Frappe site, as an admin and a person use them through the pages:
the admin registers the Django-CRM site with a service token and reads its options in the
doctor, then grants it; the person connects with their own token, sees both sites' tasks in
one inbox, creates, edits, completes and deletes a task on the Django-CRM site (each write
checked at the stand-in), and one digest names the overdue tasks of both sites."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from playwright.sync_api import expect

from portal.sites.models import Connection, Profile, ServiceCredential, Site, SiteGrant
from standin.djangocrm import DjangoCrmSite
from tests.browser.conftest import log_in, log_out, portal_errors, replaced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZONE = "Asia/Riyadh"  # both sites' clock: one "today" for the whole journey
ADMIN_PASSWORD, PERSON_PASSWORD = "Ada-Pass-2026!", "Mona-Pass-2026!"
CRM_ADMIN = "admin@jeddah.test"
# The same person on both sites (one email address), so one digest covers both.
PERSON = "sales1@riyadh.test"


@pytest.fixture
def crm():
    """A Django-CRM stand-in on Riyadh time: an organisation admin (whose token scheduled jobs
    use) and the person."""
    with DjangoCrmSite(users=[CRM_ADMIN, PERSON], admins=[CRM_ADMIN], time_zone=ZONE) as site:
        yield site


@pytest.fixture
def world(portal_site, connect, django_user_model, settings, live_server):
    """An admin, and a person already connected to the Frappe stand-in site Riyadh as sales1."""
    settings.PORTAL_BASE_URL = live_server.url
    admin = django_user_model.objects.create_user("ada", password=ADMIN_PASSWORD)
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    person = django_user_model.objects.create_user("mona", password=PERSON_PASSWORD)
    Profile.objects.create(user=person, role=Profile.Role.MEMBER)
    riyadh = portal_site("riyadh", time_zone=ZONE)
    SiteGrant.objects.create(site=riyadh, user=person)
    connect(person, riyadh, "sales1")
    return person, riyadh


def frappe_overdue_task(standin, title: str, days: int) -> str:
    """An open High task on the Frappe stand-in, assigned to the person, due `days` ago."""
    due = datetime.now(ZoneInfo(ZONE)) - timedelta(days=days)
    [task_id] = standin.sites["riyadh"].control.insert_tasks([{
        "title": title, "priority": "High", "status": "Todo", "assignees": [PERSON],
        "start_date": (due - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
        "due_date": due.strftime("%Y-%m-%d %H:%M:%S"),
    }])  # fmt: skip
    return str(task_id)


def admin_registers_the_django_crm_site(page, live_server, crm) -> Site:
    page.get_by_role("link", name="Sites").click()
    page.get_by_role("link", name="Add a site").click()
    page.get_by_label("Name").fill("Jeddah Ops")
    page.get_by_label("CRM").select_option(label="Django-CRM")
    page.get_by_label("Base URL").fill(crm.url)
    page.get_by_label("Organisation").fill(crm.org_id)
    page.get_by_label("Time zone").fill(ZONE)
    page.get_by_label("Personal access token for scheduled jobs").fill(crm.token_for(CRM_ADMIN))
    page.get_by_role("button", name="Save and check").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server.url)}/sites/\d+/$"))
    return Site.objects.get(name="Jeddah Ops")


def admin_grants_the_site(page, username: str, site_name: str):
    page.get_by_role("link", name="People").click()
    page.get_by_role("link", name=username, exact=True).click()
    page.get_by_label(site_name).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Access of {username} saved.")).to_be_visible()


def person_connects_with_a_token(page, site: Site, token: str):
    page.get_by_role("link", name="Sites").click()
    page.get_by_role("link", name=site.name).click()
    page.get_by_role("link", name="Connect my account").click()
    # The page also offers a sign-in code; the token has its own section and button.
    by_token = page.get_by_role("region", name="With a personal access token")
    by_token.get_by_role("textbox", name="Token").fill(token)
    by_token.get_by_role("button", name="Connect").click()


def person_creates_a_task(page, site: Site) -> str:
    """Through New task, on the chosen site; returns the id the task page shows."""
    page.get_by_role("link", name="New task").first.click()
    page.get_by_label("On which site?").select_option(label=site.name)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Title").fill("Inspect unit 12")
    page.get_by_label("Priority").select_option("High")
    # The site keeps a day, no time and no start: the form asks for a day alone.
    expect(page.get_by_label("Starts")).to_have_count(0)
    expect(page.get_by_label("Due")).to_have_attribute("type", "date")
    page.get_by_label("Due").fill("2031-05-04")
    page.get_by_role("button", name=f"Create on {site.name}").click()
    # A Django-CRM task id is a UUID.
    expect(page).to_have_url(re.compile(rf"/tasks/{site.pk}/[0-9a-f-]{{36}}/$"))
    task_id = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.get_by_text(f"Task {task_id} created on {site.name}.")).to_be_visible()
    return task_id


def writes_to(crm, task_id: str) -> list[dict]:
    """The requests that changed this task at the stand-in, oldest first."""
    return [r for r in crm.requests
            if r["method"] != "GET" and r["path"].rstrip("/").endswith(task_id)]  # fmt: skip


def digest_email_after_a_scan(recipient: str):
    """Runs a reminder scan the way the reminder tests do (inline, no worker), sends the
    person's digest through the email channel, and returns the email that went out."""
    from portal.notifications.models import Channel, Delivery
    from portal.notifications.services.runs import scan_run_inline, scan_run_start
    from portal.notifications.services.send import delivery_send
    from tests.integration.notifications.conftest import make_rule

    Channel.objects.create(name="Email", kind=Channel.Kind.EMAIL)
    make_rule()
    scan_run_inline(run=scan_run_start(trigger="test"))
    digest = Delivery.objects.get(recipient=recipient)
    assert digest.shape == "digest"
    assert delivery_send(delivery_id=digest.pk) == "sent"
    [email] = [m for m in mail.outbox if any(recipient in to for to in m.to)]
    return email


def row_of(page, site: Site, task_id: str):
    return page.locator(f"#task-{site.pk}-{task_id}")


def test_a_django_crm_site_beside_a_frappe_site(
    page, live_server, world, crm, standin, console_errors
):
    person, riyadh = world
    # The stand-ins and the portal all follow the real clock here: today is today in Riyadh.
    today = datetime.now(ZoneInfo(ZONE)).date()
    # What the person will find in the inbox: an overdue task on each site, one due today.
    frappe_late = frappe_overdue_task(standin, "Frappe: call the landlord back", days=400)
    crm_overdue = crm.insert(title="Django-CRM: renew the lease", priority="High",
                             due=today - timedelta(days=400), assignees=[PERSON],
                             created_by=CRM_ADMIN)  # fmt: skip
    crm_due_today = crm.insert(title="Django-CRM: send the quote", priority="High", due=today,
                               assignees=[PERSON], created_by=CRM_ADMIN)  # fmt: skip

    # 1. The admin registers the Django-CRM site with a service token; the doctor reads it.
    log_in(page, live_server, "ada", ADMIN_PASSWORD)
    jeddah = admin_registers_the_django_crm_site(page, live_server, crm)
    expect(page).to_have_url(f"{live_server.url}/sites/{jeddah.pk}/")
    vocabulary = page.locator("#vocabulary")
    expect(vocabulary.locator("dd").nth(0)).to_have_text("New, In Progress, Completed")
    expect(vocabulary.locator("dd").nth(1)).to_have_text("Low, Medium, High")
    credential = ServiceCredential.objects.get(site=jeddah)
    assert credential.kind == ServiceCredential.Kind.TOKEN and credential.last_success_at
    admin_grants_the_site(page, "mona", "Jeddah Ops")
    log_out(page, live_server)

    # 2. The person connects their own account on it with their token.
    log_in(page, live_server, "mona", PERSON_PASSWORD)
    person_connects_with_a_token(page, jeddah, crm.token_for(PERSON))
    expect(page).to_have_url(f"{live_server.url}/sites/{jeddah.pk}/")
    expect(page.get_by_text(f"Connected to Jeddah Ops as {PERSON}")).to_be_visible()
    connection = Connection.objects.get(user=person, site=jeddah)
    assert connection.site_user_id == PERSON and connection.token["kind"] == "pat"

    # 3. One inbox: both sites' overdue tasks together, the one due today under Today.
    page.goto(f"{live_server.url}/?scope=mine&bucket=overdue")
    expect(row_of(page, riyadh, frappe_late)).to_be_visible()
    expect(row_of(page, jeddah, crm_overdue)).to_be_visible()
    expect(row_of(page, jeddah, crm_overdue)).to_have_attribute("data-site", "Jeddah Ops")
    expect(row_of(page, jeddah, crm_due_today)).to_have_count(0)
    with replaced(page, "#inbox-body"):
        page.locator('#counts a[data-bucket="today"]').click()
    expect(row_of(page, jeddah, crm_due_today)).to_be_visible()
    expect(row_of(page, jeddah, crm_overdue)).to_have_count(0)

    # 4. On the Django-CRM site: create, edit, complete and delete, each seen at the site.
    task_id = person_creates_a_task(page, jeddah)
    stored = crm.tasks[task_id]
    assert (stored["title"], stored["status"], stored["priority"], stored["due_date"]) == (
        "Inspect unit 12", "New", "High", "2031-05-04"
    )  # fmt: skip
    assert stored["created_by"] == PERSON  # written with the person's own token
    # The site keeps the day only; the page shows that day (not the midnight after it).
    expect(page.locator('#task-summary time[datetime="2031-05-04"]')).to_have_text("May 4, 2031")

    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Title")).to_have_value("Inspect unit 12")
    page.get_by_label("Title").fill("Inspect unit 12 (bring the keys)")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}/tasks/{jeddah.pk}/{task_id}/")
    expect(page.get_by_text("Saved on Jeddah Ops.")).to_be_visible()
    assert crm.tasks[task_id]["title"] == "Inspect unit 12 (bring the keys)"
    assert crm.tasks[task_id]["due_date"] == "2031-05-04"  # untouched fields stay as they were
    # Only what changed, by PATCH: a PUT is a full replace there (it clears what is not sent).
    edit = writes_to(crm, task_id)[-1]
    assert (edit["method"], edit["body"]) == (
        "PATCH",
        {"title": "Inspect unit 12 (bring the keys)"},
    )

    # No Cancel on a site without a cancelled status, and the page says why.
    summary = page.locator("#task-summary")
    expect(summary.get_by_role("button", name="Set to Done")).to_be_visible()
    expect(summary.get_by_role("button", name=re.compile("Cancel"))).to_have_count(0)
    expect(page.locator("#no-cancel")).to_contain_text("Jeddah Ops has no cancelled status")

    with replaced(page, "#task-summary"):
        summary.get_by_role("button", name="Set to Done").click()
    expect(page.locator("#task-summary")).to_contain_text("Done (Completed)")
    assert crm.tasks[task_id]["status"] == "Completed"
    assert writes_to(crm, task_id)[-1]["body"] == {"status": "Completed"}

    page.locator("#task-summary").get_by_role("link", name="Delete").click()
    expect(page.locator("main")).to_contain_text("Inspect unit 12 (bring the keys)")
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server.url)}/(\?.*)?$"))
    expect(page.get_by_text("Deleted “Inspect unit 12 (bring the keys)” on Jeddah Ops."))\
        .to_be_visible()  # fmt: skip
    assert task_id not in crm.tasks
    assert writes_to(crm, task_id)[-1]["method"] == "DELETE"
    assert portal_errors(console_errors, live_server) == []

    # 5. One digest to the person names the overdue tasks of both sites.
    email = digest_email_after_a_scan(PERSON)
    for title, site, task in (("Frappe: call the landlord back", riyadh, frappe_late),
                              ("Django-CRM: renew the lease", jeddah, crm_overdue)):  # fmt: skip
        assert title in email.body
        assert f"{live_server.url}/tasks/{site.pk}/{task}/" in email.body
    assert "Django-CRM: send the quote" not in email.body  # due today: not overdue yet
