"""A person with fifty sites: the inbox, an action in a row and the filter page still work, with
every site's tasks counted and no script error."""

import re

import pytest
from playwright.sync_api import expect

from portal.sites.models import Profile, Site, SiteGrant
from tests.browser.conftest import log_in, portal_errors
from tests.integration.tasks_ui.helpers import expected_buckets
from tests.standin_sites import PASSWORD, connect_user, register_site, site_users, standin_config

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SITES = 50


@pytest.fixture(scope="module")
def fifty_standin():
    from standin.testing import StandinProcess

    clients = standin_config(Site.redirect_uri())["sites"][0]["oauth_clients"]
    config = {
        "sites": [
            {
                "name": f"site{n:02d}",
                "flavour": "deployed",
                "time_zone": "Asia/Riyadh",
                "seed_size": 12,
                "seed": n,
                "first_task_id": 1000 * (n + 1),
                "users": site_users(f"site{n:02d}.test"),
                "oauth_clients": clients,
            }
            for n in range(SITES)
        ]
    }
    with StandinProcess(config, startup_timeout=120) as process:
        yield process


@pytest.fixture
def fifty(fifty_standin, django_user_model, settings, live_server):
    settings.PORTAL_BASE_URL = live_server.url
    member = django_user_model.objects.create_user("mona", password=PASSWORD)
    Profile.objects.create(user=member, role=Profile.Role.MEMBER)
    for handle in fifty_standin.sites.values():
        handle.control.reset()
        site = register_site(handle, time_zone="Asia/Riyadh")
        SiteGrant.objects.create(site=site, user=member)
        connect_user(user=member, site=site, as_user=f"sales1@{handle.name}.test")
    return member


def test_the_inbox_of_fifty_sites_counts_every_site_and_its_rows_act(
    page, live_server, fifty, fifty_standin, console_errors
):
    from portal import clock

    log_in(page, live_server, "mona", PASSWORD)
    page.goto(f"{live_server.url}/?scope=all&bucket=upcoming")
    expect(page.locator("table.tasks tbody tr").first).to_be_attached()
    expected = sum(
        expected_buckets(handle, "Asia/Riyadh", clock.now()).get("upcoming", 0)
        for handle in fifty_standin.sites.values()
    )
    upcoming = page.locator('#counts a[data-bucket="upcoming"]')
    expect(upcoming).to_have_attribute("data-count", str(expected))
    expect(page.locator(".card")).to_have_count(0)  # every site answered

    first = page.locator("table.tasks tbody tr").first
    row_id = first.get_attribute("id")
    first.get_by_role("button", name="Done").click()
    expect(page.locator(f"#{row_id}")).to_have_class(re.compile("finished"))

    page.goto(f"{live_server.url}/tasks/?site={Site.objects.get(name='Site07').pk}")
    rows = page.locator("table.tasks tbody tr")
    expect(rows.first).to_be_attached()
    expect(page.locator('table.tasks tbody tr:not([data-site="Site07"])')).to_have_count(0)
    assert portal_errors(console_errors, live_server) == []
