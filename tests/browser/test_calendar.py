"""The calendar in a browser: dragging a task to another day moves its due date at a stand-in
Frappe site (a reload shows it on the new day, the site's answer); a refused move puts the task
back on its day and the alert says why. In English and Arabic, on a 1366 px screen (dragging)
and on a 390 px phone (the "Move to date" form, without sideways scrolling)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, portal_errors, switch_language
from tests.browser.test_inbox_buckets import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
MONTH = "/tasks/calendar/?view=month&date=2031-03-01"
MOVED = {"en": "is now due", "ar": "مستحقة في"}
APRIL = {"en": "April 2031", "ar": "إبريل 2031"}
REFUSED = {"en": "Not moved: Riyadh did not accept this", "ar": "لم تُنقل"}


@pytest.fixture
def calendar_world(portal_site, connect, django_user_model, settings, live_server):
    return make_world(portal_site, connect, django_user_model, settings, live_server)


def insert(standin, title, due):
    [task_id] = standin.sites["riyadh"].control.insert_tasks(
        [{"title": title, "priority": "High", "status": "Todo", "due_date": due,
          "assignees": ["sales1@riyadh.test"]}]
    )  # fmt: skip
    return task_id


def day(page, iso):
    return page.locator(f'section.cal-day[data-day="{iso}"]')


def open_calendar(page, live_server, lang, viewport):
    page.set_viewport_size(viewport)
    log_in(page, live_server, "mona", PASSWORD)
    if lang == "ar":
        switch_language(page, "العربية", "ar")
    page.goto(f"{live_server.url}{MONTH}")
    expect(page.locator("#calendar")).to_be_visible()


def no_sideways_scroll(page):
    page.wait_for_function(
        "() => document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
    )


def mark_read(page):
    """Marks the calendar shown now, to tell when the sites' answers have replaced it."""
    page.locator("#calendar").evaluate("element => { element.dataset.shown = 'before'; }")


def read_again(page):
    expect(page.locator("#calendar")).to_have_count(1)
    expect(page.locator('#calendar[data-shown="before"]')).to_have_count(0)


def refuse_edits(standin):
    standin.sites["riyadh"].control.set_faults(
        [{"kind": "error", "status": 417, "methods": ["POST", "PUT"]}]
    )


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_dragging_a_task_moves_it_at_the_site_and_a_refusal_moves_it_back(
    page, live_server, calendar_world, standin, console_errors, lang
):
    _, sites = calendar_world
    riyadh = sites["riyadh"]
    stored = standin.sites["riyadh"].control
    task_id = insert(standin, "Show the villa in Hittin to a family of five", "2031-03-12 16:45:00")
    card_id = f"#cal-{riyadh.pk}-{task_id}"
    open_calendar(page, live_server, lang, DESKTOP)
    expect(day(page, "2031-03-12").locator(card_id)).to_be_visible()
    if lang == "ar":  # the week runs from right to left
        first, second = day(page, "2031-03-01"), day(page, "2031-03-02")
        assert first.bounding_box()["x"] > second.bounding_box()["x"]

    page.locator(card_id).drag_to(day(page, "2031-03-19").locator(".cal-tasks"))
    expect(page.locator("#calendar-status")).to_contain_text(MOVED[lang])
    expect(day(page, "2031-03-19").locator(card_id)).to_be_visible()
    assert stored.task(task_id)["due_date"] == "2031-03-19 16:45:00"
    page.reload()
    expect(day(page, "2031-03-19").locator(card_id)).to_be_visible()
    expect(day(page, "2031-03-12").locator(card_id)).to_have_count(0)

    refuse_edits(standin)
    mark_read(page)
    page.locator(card_id).drag_to(day(page, "2031-03-26").locator(".cal-tasks"))
    alert = page.locator("#calendar-alert")
    expect(alert).to_contain_text(REFUSED[lang])
    expect(alert).to_contain_text("Injected fault: HTTP 417")
    read_again(page)
    expect(day(page, "2031-03-19").locator(card_id)).to_be_visible()
    expect(day(page, "2031-03-26").locator(card_id)).to_have_count(0)
    stored.clear_faults()
    assert stored.task(task_id)["due_date"] == "2031-03-19 16:45:00"

    # The calendar read again after the refusal still drags.
    page.locator(card_id).drag_to(day(page, "2031-03-27").locator(".cal-tasks"))
    expect(page.locator("#calendar-status")).to_contain_text(MOVED[lang])
    expect(page.locator("#calendar-alert")).to_be_empty()
    page.reload()
    expect(day(page, "2031-03-27").locator(card_id)).to_be_visible()
    assert stored.task(task_id)["due_date"] == "2031-03-27 16:45:00"

    # The next month comes without a page load; the link pressed keeps the focus.
    page.locator('[data-nav="next"]').click()
    expect(page).to_have_url(re.compile(r"date=2031-04-01"))
    expect(page.locator("#calendar-title")).to_have_text(APRIL[lang])
    expect(page.locator('[data-nav="next"]')).to_be_focused()
    assert portal_errors(console_errors, live_server) == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_on_a_phone_the_date_control_moves_a_task_and_a_refusal_keeps_it(
    page, live_server, calendar_world, standin, console_errors, lang
):
    _, sites = calendar_world
    riyadh = sites["riyadh"]
    stored = standin.sites["riyadh"].control
    task_id = insert(standin, "Call the landlord about the lease", "2031-03-12 09:15:00")
    card_id = f"#cal-{riyadh.pk}-{task_id}"
    open_calendar(page, live_server, lang, PHONE)
    no_sideways_scroll(page)
    card = page.locator(card_id)
    expect(card).to_be_visible()
    expect(day(page, "2031-03-13")).to_be_hidden()  # the month is a list of busy days

    card.locator("summary").click()
    card.locator("input[name=date]").fill("2031-03-20")
    card.locator("button[type=submit]").click()
    expect(page.locator("#calendar-status")).to_contain_text(MOVED[lang])
    expect(day(page, "2031-03-20").locator(card_id)).to_be_visible()
    expect(page.locator(card_id)).to_be_focused()
    assert stored.task(task_id)["due_date"] == "2031-03-20 09:15:00"
    no_sideways_scroll(page)

    refuse_edits(standin)
    card = page.locator(card_id)
    mark_read(page)
    card.locator("summary").click()
    card.locator("input[name=date]").fill("2031-03-25")
    card.locator("button[type=submit]").click()
    expect(page.locator("#calendar-alert")).to_contain_text("Injected fault: HTTP 417")
    read_again(page)
    expect(day(page, "2031-03-20").locator(card_id)).to_be_visible()
    stored.clear_faults()
    assert stored.task(task_id)["due_date"] == "2031-03-20 09:15:00"

    page.goto(f"{live_server.url}/tasks/calendar/?view=week&date=2031-03-20")
    expect(day(page, "2031-03-20").locator(card_id)).to_be_visible()
    no_sideways_scroll(page)
    assert portal_errors(console_errors, live_server) == []
