"""Journeys on the inbox: buckets across two sites, tab switches that keep the URL and the back
button right, and the Arabic page right to left. Also the fixtures the other inbox journeys
import (`inbox_world`)."""

import re

import pytest
from playwright.sync_api import expect

from portal.sites.models import Profile, SiteGrant
from tests.browser.conftest import log_in, portal_errors, switch_language

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
    """The bucket counts shown now: call it once a check has pinned the page it reads."""
    found = {}
    for link in page.locator("#counts a[data-bucket]").all():
        found[link.get_attribute("data-bucket")] = int(link.get_attribute("data-count"))
    return found


def test_buckets_across_two_sites(page, live_server, inbox_world, console_errors):
    log_in(page, live_server, "mona", PASSWORD)
    everything_tab = page.get_by_role("link", name=re.compile("Everything I may see"))
    mine_tab = page.get_by_role("link", name=re.compile("Assigned to me"))
    current_bucket = page.locator('#counts a[data-bucket][aria-current="page"]')
    everything_tab.click()
    expect(page).to_have_url(re.compile(r"scope=all"))
    expect(everything_tab).to_have_attribute("aria-current", "page")
    expect(mine_tab).not_to_have_attribute("aria-current", "page")
    everything = counts(page)
    assert everything["overdue"] > 0 and everything["upcoming"] > 0

    page.get_by_role("link", name=re.compile("^Upcoming")).click()
    expect(page).to_have_url(re.compile(r"bucket=upcoming"))
    upcoming_tab = page.locator('#counts a[data-bucket="upcoming"]')
    expect(upcoming_tab).to_have_attribute("aria-current", "page")
    rows = page.locator("table.tasks tbody tr")
    expect(rows).to_have_count(min(everything["upcoming"], 50))
    for name in ("Riyadh", "Cairo"):
        expect(page.locator(f'table.tasks tbody tr[data-site="{name}"]').first).to_be_attached()
    others = 'table.tasks tbody tr:not([data-site="Riyadh"]):not([data-site="Cairo"])'
    expect(page.locator(others)).to_have_count(0)
    # The tab that was clicked was replaced: focus moved to its successor, not to the page top.
    expect(upcoming_tab).to_be_focused()

    page.go_back()
    expect(page).to_have_url(re.compile(r"bucket=overdue|scope=all$"))
    expect(current_bucket).to_have_attribute("data-bucket", "overdue")

    mine_tab.click()
    expect(page).to_have_url(re.compile(r"scope=mine"))
    expect(mine_tab).to_have_attribute("aria-current", "page")
    expect(everything_tab).not_to_have_attribute("aria-current", "page")
    mine = counts(page)
    assert all(mine[b] <= everything[b] for b in mine)
    assert portal_errors(console_errors, live_server) == []


def test_the_arabic_inbox_reads_right_to_left(page, live_server, inbox_world, console_errors):
    log_in(page, live_server, "mona", PASSWORD)
    switch_language(page, "العربية", "ar")
    page.goto(f"{live_server.url}/?scope=all&bucket=upcoming")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_css("direction", "rtl")
    cell = page.locator("table.tasks tbody tr td.title").first
    expect(cell).to_have_css("direction", "rtl")
    # The site's title is isolated from the page's flow.
    expect(cell.locator("bdi")).to_have_count(1)
    count = page.locator('#counts a[data-bucket="upcoming"] .count').first
    expect(count).to_have_text(re.compile(r"^[0-9,]+$"))  # Western digits on Arabic pages
    assert portal_errors(console_errors, live_server) == []
