"""Filter, paginate, reload the shared URL, and come back with the back button."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, portal_errors, replaced
from tests.browser.test_inbox_buckets import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def inbox_world(portal_site, connect, django_user_model, settings, live_server):
    return make_world(portal_site, connect, django_user_model, settings, live_server)


ROWS = "#results table.tasks tbody tr"


def keys(page) -> list[str]:
    """The rows shown now: call it once a check has pinned the page it reads."""
    return page.locator(ROWS).evaluate_all("rows => rows.map(r => r.id)")


def expect_rows(page, ids: list[str]):
    """The table shows exactly these rows, in this order (waiting for a swap or a restore)."""
    rows = page.locator(ROWS)
    expect(rows).to_have_count(len(ids))
    for index, row_id in enumerate(ids):
        expect(rows.nth(index)).to_have_id(row_id)


def test_filter_paginate_and_share_the_url(
    page,
    live_server,
    inbox_world,
    settings,
    console_errors,
    browser,
):
    settings.INBOX_PAGE_SIZE = 5
    log_in(page, live_server, "mona", PASSWORD)
    page.get_by_role("link", name="Find tasks").first.click()
    page.get_by_label("High").check()
    page.get_by_label("Medium").check()
    page.get_by_label("Open", exact=True).check()
    with replaced(page, "#results"):
        page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"priority=High.*priority=Medium.*status=open"))
    expect(page.locator(ROWS)).to_have_count(5)
    first = keys(page)

    with replaced(page, "#results"):
        page.get_by_role("link", name="Next page").first.click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator(ROWS)).to_have_count(5)
    second = keys(page)
    assert not set(first) & set(second)

    shared = page.url
    page.reload()
    expect_rows(page, second)
    expect(page.get_by_label("High")).to_be_checked()
    expect(page.get_by_label("Open", exact=True)).to_be_checked()
    other = browser.new_context().new_page()  # someone the link was sent to (logged in too)
    log_in(other, live_server, "mona", PASSWORD)
    other.goto(shared)
    expect_rows(other, second)
    other.context.close()

    page.go_back()
    expect(page).to_have_url(re.compile(r"status=open$|status=open&(?!.*page=2)"))
    expect_rows(page, first)
    page.get_by_label("Title or description contains").fill("no title is like this one")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No task matches these filters.")).to_be_visible()
    expect(page.locator(ROWS)).to_have_count(0)
    assert portal_errors(console_errors, live_server) == []
