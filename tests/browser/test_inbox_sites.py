"""A broken site's card beside a working one: the page renders, names the site, offers a retry."""

import re

import pytest
from playwright.sync_api import expect

from portal.sites.models import Connection, Site, SiteGrant
from tests.browser.conftest import log_in, portal_errors
from tests.browser.test_inbox_buckets import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def inbox_world(portal_site, connect, django_user_model, settings, live_server):
    return make_world(portal_site, connect, django_user_model, settings, live_server)


def test_a_broken_sites_card_beside_a_working_one(
    page,
    live_server,
    inbox_world,
    standin,
    console_errors,
):
    member, sites = inbox_world
    standin.sites["cairo"].control.set_faults([{"kind": "html", "status": 502}])
    down = Site.objects.create(
        name="Dammam", base_url="http://127.0.0.1:9", client_id="portal", time_zone="UTC"
    )
    SiteGrant.objects.create(site=down, user=member)
    Connection.objects.create(
        user=member, site=down, site_user_id="sales1@dammam.test", token={"access_token": "t"}
    )
    log_in(page, live_server, "mona", PASSWORD)
    page.goto(f"{live_server.url}/?scope=all&bucket=upcoming")
    cairo = page.locator('.card[data-site="Cairo"]')
    expect(cairo).to_contain_text("Cairo could not be reached")
    expect(page.locator('.card[data-site="Dammam"]')).to_contain_text("Dammam could not be reached")
    rows = "table.tasks tbody tr"
    expect(page.locator(f'{rows}[data-site="Riyadh"]').first).to_be_attached()
    expect(page.locator(f'{rows}:not([data-site="Riyadh"])')).to_have_count(0)
    standin.sites["cairo"].control.clear_faults()
    cairo.get_by_role("link", name=re.compile("Try Cairo again")).click()
    expect(cairo).to_have_count(0)
    expect(page.locator(f'{rows}[data-site="Cairo"]').first).to_be_attached()
    expect(page.locator('.card[data-site="Dammam"]')).to_contain_text("Dammam could not be reached")
    assert portal_errors(console_errors, live_server) == []
