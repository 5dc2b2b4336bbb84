"""An EspoCRM site's webhooks, made by the portal and stopping reminders: the admin creates the
site's webhooks from its webhook page (four, pointed at the portal); a reminder scan watches an
overdue task and reminds the person; the site's admin completes it on the site, the site's
webhook job delivers the change, and the person's task page and inbox show it done, the next
scan reminds only of the task still open, and the webhook page shows when the last one came."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.core import mail
from playwright.sync_api import expect

from portal import clock
from portal.notifications.models import Channel, DeliveryItem, WatchedTask
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.notifications.services.send import delivery_send
from portal.sites.models import Profile, Site, SiteGrant
from tests.browser.conftest import log_in, log_out, portal_errors
from tests.browser.test_three_kinds_journey import (
    ESPO_PASSWORD,
    ZONE,
    admin_registers_the_espocrm_site,
    espo_overdue_task,
    person_connects_with_a_password,
    row_of,
)
from tests.integration.notifications.conftest import make_rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_PASSWORD, PERSON_PASSWORD = "Ada-Pass-2026!", "Mona-Pass-2026!"
PERSON_EMAIL = "mona@portal.test"  # where the person's reminders go (connected: the portal's)
EVENTS = ["Task.create", "Task.delete", "Task.fieldUpdate.status", "Task.update"]


@pytest.fixture
def espo():
    from standin.espocrm import EspoCrmSite

    with EspoCrmSite(time_zone=ZONE) as site:
        site.add_api_user("portal", hmac=True)
        site.add_user("sales1", ESPO_PASSWORD, first_name="Sales", last_name="One")
        yield site


@pytest.fixture
def world(django_user_model, settings, live_server, tmp_path):
    """An admin, a person with a portal email address, an email channel and a reminder rule
    (daily, twice at most); the portal's clock in a file, so a test can move it a day on;
    sites' answers cached longer than the journey lasts."""
    settings.PORTAL_BASE_URL = live_server.url  # where the site sends its webhooks
    settings.PORTAL_CLOCK_FILE = str(tmp_path / "clock.json")
    settings.SITE_CACHE_SECONDS = 600  # a page sees the change because the webhook said so
    admin = django_user_model.objects.create_user("ada", password=ADMIN_PASSWORD)
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    person = django_user_model.objects.create_user(
        "mona", email=PERSON_EMAIL, password=PERSON_PASSWORD
    )
    Profile.objects.create(user=person, role=Profile.Role.MEMBER)
    Channel.objects.create(name="Email", kind=Channel.Kind.EMAIL)
    make_rule(repeat_every_hours=24, max_repeats=2)
    return person


def webhook_page(site: Site, live_server) -> str:
    return f"{live_server.url}/notifications/sites/{site.pk}/webhook/"


def scan_and_send_reminders() -> set[str]:
    """A reminder scan as the reminder tests run it (inline, no worker), every delivery it
    planned sent at once; the task ids the emails sent now remind of."""
    sent_before = set(DeliveryItem.objects.values_list("pk", flat=True))
    scan_run_inline(run=scan_run_start(trigger="test"))
    new_items = DeliveryItem.objects.exclude(pk__in=sent_before).select_related("delivery")
    for delivery in {item.delivery for item in new_items}:
        assert delivery.recipient == PERSON_EMAIL
        assert delivery_send(delivery_id=delivery.pk) == "sent"
    return {item.task_id for item in new_items}


def completed_on_the_site(espo, task_id: str):
    """The site's own admin completes the task through the site's API (not the portal)."""
    done = requests.put(f"{espo.url}/api/v1/Task/{task_id}", json={"status": "Completed"},
                        auth=("admin", "admin"), timeout=10)  # fmt: skip
    assert done.status_code == 200, done.text


def test_the_sites_webhooks_tell_the_portal_a_task_is_done_and_its_reminders_stop(
    page, live_server, world, espo, settings, console_errors
):
    person = world

    # 1. The admin registers the site and, on its webhook page, makes the site's webhooks.
    log_in(page, live_server, "ada", ADMIN_PASSWORD)
    dammam = admin_registers_the_espocrm_site(page, live_server, espo)
    SiteGrant.objects.create(site=dammam, user=person)
    page.goto(webhook_page(dammam, live_server))
    endpoint = f"{live_server.url}/notifications/webhooks/{dammam.pk}/"
    expect(page.locator("main code").first).to_have_text(endpoint)
    expect(page.locator("#site-webhooks")).to_contain_text(
        "The site holds no webhook to the portal yet."
    )
    expect(page.get_by_text("Last webhook received")).to_have_count(0)
    page.get_by_role("button", name="Create the webhooks on the site").click()
    expect(page.get_by_text("The site's webhooks to the portal are in place.")).to_be_visible()
    rows = page.locator("#site-webhooks tr[data-event]")
    expect(rows).to_have_count(4)
    for event in EVENTS:
        expect(page.locator(f'#site-webhooks tr[data-event="{event}"]')).to_contain_text("yes")
    hooks = [h for h in espo.webhooks.values() if h.get("url") == endpoint]
    assert sorted(h["event"] for h in hooks) == EVENTS
    expect(page.get_by_role("button", name="Check and repair the webhooks")).to_be_visible()
    log_out(page, live_server)

    # 2. The person connects; a scan watches their overdue tasks and reminds them of both.
    log_in(page, live_server, "mona", PERSON_PASSWORD)
    person_connects_with_a_password(page, dammam, "sales1", ESPO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/sites/{dammam.pk}/")
    lift = espo_overdue_task(espo, "Service the lift", days=2)
    pumps = espo_overdue_task(espo, "Check the pumps", days=1)
    assert scan_and_send_reminders() == {lift, pumps}
    [email] = mail.outbox
    assert any(PERSON_EMAIL in to for to in email.to) and "Service the lift" in email.body
    assert f"{live_server.url}/tasks/{dammam.pk}/{lift}/" in email.body
    watched = WatchedTask.objects.get(site=dammam, task_id=lift)
    assert watched.closed_seq is None

    # The inbox lists both as overdue (the answer is cached: only a webhook renews it soon).
    page.goto(f"{live_server.url}/?scope=mine&bucket=overdue")
    expect(row_of(page, dammam, lift)).to_be_visible()
    expect(row_of(page, dammam, pumps)).to_be_visible()
    page.goto(f"{live_server.url}/tasks/{dammam.pk}/{lift}/")
    summary = page.locator("#task-summary")
    expect(summary.get_by_role("heading")).to_contain_text("Service the lift")
    expect(summary.get_by_role("button", name="Set to Done")).to_be_visible()

    # 3. Completed on the site itself; the site's webhook job sends the change to the portal.
    completed_on_the_site(espo, lift)
    assert espo.send_webhooks()
    assert espo.deliveries and all(d.get("status") == 200 for d in espo.deliveries)
    watched.refresh_from_db()
    assert watched.closed_seq is not None  # the portal closed it on the webhook, not a scan

    # 4. The person's open task page shows it done after a reload; the inbox no longer lists
    #    it as overdue, beside the task still open.
    page.reload()
    expect(page.locator("#task-summary")).to_contain_text("Done (Completed)")
    expect(page.locator("#task-summary").get_by_role("button", name="Set to Done")).to_have_count(0)
    page.goto(f"{live_server.url}/?scope=mine&bucket=overdue")
    expect(row_of(page, dammam, pumps)).to_be_visible()
    expect(row_of(page, dammam, lift)).to_have_count(0)
    assert portal_errors(console_errors, live_server) == []
    log_out(page, live_server)

    # 5. A day later, the next scan reminds of the open task only.
    clock.set_clock(settings.PORTAL_CLOCK_FILE, offset_seconds=timedelta(hours=25).total_seconds())
    assert scan_and_send_reminders() == {pumps}
    assert DeliveryItem.objects.filter(site_id=dammam.pk, task_id=lift).count() == 1

    # 6. The webhook page says when the last webhook came.
    log_in(page, live_server, "ada", ADMIN_PASSWORD)
    page.goto(webhook_page(dammam, live_server))
    expect(page.get_by_text("Last webhook received")).to_be_visible()
    expect(page.locator("#site-webhooks tr[data-event]")).to_have_count(4)
    assert Site.objects.get(pk=dammam.pk).last_webhook_at is not None
    assert portal_errors(console_errors, live_server) == []
