"""Live updates between two people: what one changes shows on the other's open inbox and task
page within seconds, without a reload; a row the other has selected is left as it is, with a
note offering a reload instead."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from portal.sites.models import Profile, SiteGrant
from tests.browser.conftest import log_in, portal_errors, switch_language
from tests.browser.test_inbox_buckets import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LIVE = 8_000  # ms: an event is polled within a second, then the row reads the site again


@pytest.fixture
def world(portal_site, connect, django_user_model, settings, live_server):
    # Short streams and quick keep-alives: the test server notices a closed page soon after.
    settings.LIVE_STREAM_SECONDS = 30
    settings.LIVE_HEARTBEAT_SECONDS = 1
    settings.LIVE_POLL_SECONDS = 0.2
    member, sites = make_world(portal_site, connect, django_user_model, settings, live_server)
    omar = django_user_model.objects.create_user("omar", password=PASSWORD)
    Profile.objects.create(user=omar, role=Profile.Role.MEMBER)
    SiteGrant.objects.create(site=sites["riyadh"], user=omar)
    connect(omar, sites["riyadh"], "sales2")
    return sites


def overdue(standin, title):
    due = (datetime.now() - timedelta(days=2)).strftime("%Y-%m-%d 10:00:00")
    [task_id] = standin.sites["riyadh"].control.insert_tasks(
        [{"title": title, "priority": "High", "status": "Todo", "due_date": due,
          "assignees": ["sales1@riyadh.test"]}]
    )  # fmt: skip
    return task_id


def test_a_change_by_one_person_shows_on_the_others_open_pages(
    browser, page, live_server, world, standin, console_errors
):
    riyadh = world["riyadh"]
    # Titles that sort first, so the rows are on the first page of the overdue bucket.
    first = overdue(standin, "0 Live: call the Qahtani family")
    second = overdue(standin, "0 Live: visit the Otaibi office")
    inbox_url = f"{live_server.url}/?scope=all&bucket=overdue&sort=title"

    # Mona: the inbox and the first task's page, open side by side.
    log_in(page, live_server, "mona", PASSWORD)
    page.goto(inbox_url)
    row = page.locator(f"#task-{riyadh.pk}-{first}")
    other_row = page.locator(f"#task-{riyadh.pk}-{second}")
    expect(row.get_by_role("button", name="Done")).to_be_visible()
    page.locator("html").evaluate("html => { html.dataset.kept = 'yes'; }")  # gone on a reload
    task_page = page.context.new_page()
    task_page.goto(f"{live_server.url}/tasks/{riyadh.pk}/{first}/")
    expect(task_page.get_by_role("button", name="Set to Done")).to_be_visible()
    task_page.locator("html").evaluate("html => { html.dataset.kept = 'yes'; }")

    # Omar, in a browser of his own, completes the task from his task page.
    others = browser.new_context()
    try:
        omar = others.new_page()
        log_in(omar, live_server, "omar", PASSWORD)
        omar.goto(f"{live_server.url}/tasks/{riyadh.pk}/{first}/")
        omar.get_by_role("button", name="Set to Done").click()
        expect(omar.get_by_role("button", name="Set to Done")).to_have_count(0)
        assert standin.sites["riyadh"].control.task(first)["status"] in ("Done", "Completed")

        # Mona's pages follow without a reload.
        expect(row).to_have_class(re.compile(r"\bfinished\b"), timeout=LIVE)
        expect(row.get_by_role("button", name="Reopen")).to_be_visible()
        expect(task_page.get_by_role("button", name="Set to Done")).to_have_count(0, timeout=LIVE)
        expect(task_page.get_by_role("button", name="Set to Open")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("data-kept", "yes")
        expect(task_page.locator("html")).to_have_attribute("data-kept", "yes")

        # A row Mona has selected for a bulk action is not refreshed under her: a note instead.
        other_row.get_by_role("checkbox").check()
        omar.goto(f"{live_server.url}/tasks/{riyadh.pk}/{second}/")
        omar.get_by_role("button", name="Set to Done").click()
        expect(omar.get_by_role("button", name="Set to Done")).to_have_count(0)
        expect(page.locator("#live-note")).to_be_visible(timeout=LIVE)
        expect(other_row.get_by_role("checkbox")).to_be_checked()
        expect(other_row.get_by_role("button", name="Done")).to_be_visible()
        page.locator("#live-note").get_by_role("link", name="Reload to see it").click()
        expect(page.locator("#live-note")).to_be_hidden()
        expect(row).to_have_count(0)  # finished: no longer overdue
        expect(other_row).to_have_count(0)
    finally:
        others.close()
        task_page.close()
    assert portal_errors(console_errors, live_server) == []


@pytest.mark.parametrize(
    ("language", "width"), [("en", 1366), ("ar", 390)], ids=["en-desktop", "ar-phone"]
)
def test_a_change_by_one_person_moves_the_card_on_the_others_open_board(
    browser, page, live_server, world, standin, console_errors, language, width
):
    riyadh = world["riyadh"]
    task_id = overdue(standin, "0 Live: board card of the Harbi visit")
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, live_server, "mona", PASSWORD)
    if language == "ar":
        switch_language(page, "العربية", "ar")
    page.goto(f"{live_server.url}/tasks/board/?q=Harbi")
    card = page.locator(f"#card-{riyadh.pk}-{task_id}")
    expect(page.locator("[data-column='open']").locator(card)).to_be_visible()
    page.locator("html").evaluate("html => { html.dataset.kept = 'yes'; }")

    others = browser.new_context()
    try:
        omar = others.new_page()
        log_in(omar, live_server, "omar", PASSWORD)
        omar.goto(f"{live_server.url}/tasks/{riyadh.pk}/{task_id}/")
        omar.get_by_role("button", name="Set to Done").click()
        expect(omar.get_by_role("button", name="Set to Done")).to_have_count(0)

        # Mona's board puts the card in "Done" without a reload.
        expect(page.locator("[data-column='done']").locator(card)).to_be_visible(timeout=LIVE)
        expect(card).to_have_attribute("data-status", "done")
        expect(page.locator("html")).to_have_attribute("data-kept", "yes")
    finally:
        others.close()
    assert portal_errors(console_errors, live_server) == []
