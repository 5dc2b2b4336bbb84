"""Filter, paginate, reload the shared URL, and come back with the back button."""

import re

import pytest

from tests.browser.conftest import log_in, portal_errors
from tests.browser.test_inbox_buckets import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def inbox_world(portal_site, connect, django_user_model, settings, live_server):
    return make_world(portal_site, connect, django_user_model, settings, live_server)


def keys(page) -> list[str]:
    return page.locator("#results table.tasks tbody tr").evaluate_all("rows => rows.map(r => r.id)")


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
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"priority=High.*priority=Medium.*status=open"))
    first = keys(page)
    assert len(first) == 5
    page.get_by_role("link", name="Next page").first.click()
    page.wait_for_url(re.compile(r"page=2"))
    second = keys(page)
    assert len(second) == 5 and not set(first) & set(second)
    shared = page.url
    page.reload()
    assert keys(page) == second
    assert (
        page.get_by_label("High").is_checked()
        and page.get_by_label("Open", exact=True).is_checked()
    )
    other = browser.new_context().new_page()  # someone the link was sent to (logged in too)
    log_in(other, live_server, "mona", PASSWORD)
    other.goto(shared)
    assert keys(other) == second
    other.context.close()
    page.go_back()
    page.wait_for_url(re.compile(r"status=open$|status=open&(?!.*page=2)"))
    assert keys(page) == first
    page.get_by_label("Title contains").fill("no title is like this one")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("No task matches these filters.").wait_for()
    assert portal_errors(console_errors, live_server) == []
