"""Journeys on the inbox: buckets across two sites, tab switches that keep the URL and the back
button right, and the Arabic page right to left. Also the fixtures the other inbox journeys
import (`inbox_world`)."""

import re

import pytest

from portal.sites.models import Profile, SiteGrant
from tests.browser.conftest import log_in, portal_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mona-Pass-2026!"


def make_world(portal_site, connect, django_user_model, settings, live_server):
    """A member granted Riyadh (deployed) and Cairo (documented), connected to both as sales1."""
    settings.PORTAL_BASE_URL = live_server.url
    member = django_user_model.objects.create_user("mona", password=PASSWORD)
    Profile.objects.create(user=member, role=Profile.Role.MEMBER)
    sites = {
        "riyadh": portal_site("riyadh", time_zone="Asia/Riyadh"),
        "cairo": portal_site("cairo", time_zone="Africa/Cairo"),
    }
    for site in sites.values():
        SiteGrant.objects.create(site=site, user=member)
        connect(member, site, "sales1")
    return member, sites


@pytest.fixture
def inbox_world(portal_site, connect, django_user_model, settings, live_server):
    return make_world(portal_site, connect, django_user_model, settings, live_server)


def counts(page) -> dict[str, int]:
    found = {}
    for link in page.locator("#counts a[data-bucket]").all():
        found[link.get_attribute("data-bucket")] = int(link.get_attribute("data-count"))
    return found


def test_buckets_across_two_sites(page, live_server, inbox_world, console_errors):
    log_in(page, live_server, "mona", PASSWORD)
    page.get_by_role("link", name=re.compile("Everything I may see")).click()
    page.wait_for_url(re.compile(r"scope=all"))
    everything = counts(page)
    assert everything["overdue"] > 0 and everything["upcoming"] > 0
    page.get_by_role("link", name=re.compile("^Upcoming")).click()
    page.wait_for_url(re.compile(r"bucket=upcoming"))
    rows = page.locator("table.tasks tbody tr")
    assert rows.count() == min(everything["upcoming"], 50)
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.site)")) == {"Riyadh", "Cairo"}
    # The tab that was clicked was replaced: focus moved to its successor, not to the page top.
    assert page.evaluate("document.activeElement.dataset.bucket") == "upcoming"
    page.go_back()
    page.wait_for_url(re.compile(r"bucket=overdue|scope=all$"))
    assert (
        page.locator('#counts a[data-bucket][aria-current="page"]').get_attribute("data-bucket")
        == "overdue"
    )
    page.get_by_role("link", name=re.compile("Assigned to me")).click()
    page.wait_for_url(re.compile(r"scope=mine"))
    mine = counts(page)
    assert all(mine[b] <= everything[b] for b in mine)
    assert portal_errors(console_errors, live_server) == []


def test_the_arabic_inbox_reads_right_to_left(page, live_server, inbox_world, console_errors):
    log_in(page, live_server, "mona", PASSWORD)
    page.get_by_role("button", name="العربية").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/?scope=all&bucket=upcoming")
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    cell = page.locator("table.tasks tbody tr td.title").first
    assert cell.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert cell.locator("bdi").count() == 1  # the site's title is isolated from the page's flow
    count = page.locator('#counts a[data-bucket="upcoming"] .count').first.inner_text()
    assert re.fullmatch(r"[٠-٩٬]+", count)
    assert portal_errors(console_errors, live_server) == []
