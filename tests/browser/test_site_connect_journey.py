"""An admin adds a stand-in site by URL and client id, the doctor shows its flavour and task
options, the admin connects through the site's own login and consent pages and comes back
connected; a member without a grant cannot reach that site."""

import re

import pytest
from playwright.sync_api import expect

from portal.sites.models import Connection, Profile, Site
from tests.browser.conftest import log_in, log_out, portal_errors
from tests.standin_sites import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_adds_a_site_and_connects_through_its_pages(
    page, live_server, settings, standin_reset, django_user_model, console_errors
):
    handle = standin_reset.sites["riyadh"]
    settings.PORTAL_BASE_URL = live_server.url
    handle.control.add_oauth_clients([{
        "client_id": "browser-consent", "client_secret": "x", "app_name": "Task portal",
        "redirect_uris": [f"{live_server.url}/sites/oauth/callback/"],
        "skip_authorization": False, "scopes": "all openid",
    }])  # fmt: skip
    admin = django_user_model.objects.create_user("ada", password="Ada-Pass-2026!")
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    outsider = django_user_model.objects.create_user("otto", password="Otto-Pass-2026!")
    Profile.objects.create(user=outsider, role=Profile.Role.MEMBER)

    log_in(page, live_server, "ada", "Ada-Pass-2026!")
    page.get_by_role("link", name="Sites").click()
    page.get_by_role("link", name="Add a site").click()
    page.get_by_label("Name").fill("Riyadh Sales")
    page.get_by_label("Base URL").fill(handle.url)
    page.get_by_label("OAuth client ID").fill("browser-consent")
    page.get_by_label("API key for scheduled jobs").fill("sales1keyriyadh")
    page.get_by_label("API secret").fill("sales1secretriyadh")
    page.get_by_role("button", name="Save and check").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(live_server.url)}/sites/\d+/$"))
    site = Site.objects.get(name="Riyadh Sales")
    expect(page).to_have_url(f"{live_server.url}/sites/{site.pk}/")
    expect(page.locator("#flavour")).to_have_text("CRM with mobile API (deployed)")
    for option in ("late", "High", "property showing"):
        expect(page.locator("#vocabulary")).to_contain_text(option)

    page.get_by_role("link", name="Connect my account").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(handle.url)}/login"))  # the site's own
    page.locator("#usr").fill("manager1@riyadh.test")
    page.locator("#pwd").fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    # The site's consent page.
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    page.locator("#allow").click()
    expect(page).to_have_url(f"{live_server.url}/sites/{site.pk}/")
    expect(page.get_by_text("Connected to Riyadh Sales as manager1@riyadh.test")).to_be_visible()
    connection = Connection.objects.get(user=admin, site=site)
    assert connection.site_user_id == "manager1@riyadh.test" and connection.token
    assert portal_errors(console_errors, live_server) == []

    log_out(page, live_server)
    log_in(page, live_server, "otto", "Otto-Pass-2026!")
    page.get_by_role("link", name="Sites").click()
    expect(page).to_have_url(f"{live_server.url}/sites/")
    expect(page.locator("main")).to_contain_text("No site has been shared with you yet.")
    expect(page.locator("main")).not_to_contain_text("Riyadh Sales")
    response = page.goto(f"{live_server.url}/sites/{site.pk}/")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/sites/{site.pk}/connect/")
    assert response.status == 404
