"""The board in a browser, on the stand-in Frappe site Riyadh: a card dragged to "done" stays
there after a reload (the site saved it); a move the site refuses (its CRM keeps an overdue
task late unless it is marked done) goes back to its column and the page says why. In English
and Arabic, on a 1366 px screen (dragging) and a 390 px phone (the card's "Move to" control,
the keyboard's way too), without the page scrolling sideways."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from portal import clock
from tests.browser.conftest import log_in, portal_errors, switch_language
from tests.browser.test_inbox_buckets import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
REFUSED = {
    "en": "kept this task late: an overdue task can only be marked done there",
    "ar": "هذه المهمة متأخرة عن موعدها",
}


@pytest.fixture
def board_world(portal_site, connect, django_user_model, settings, live_server, standin):
    _, sites = make_world(portal_site, connect, django_user_model, settings, live_server)
    local = clock.now().astimezone(ZoneInfo("Asia/Riyadh"))
    yesterday = (local - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    moved, stuck = standin.sites["riyadh"].control.insert_tasks(
        [
            {"title": "Kanban call to move", "status": "Todo", "priority": "High",
             "assignees": ["sales1@riyadh.test"]},
            {"title": "Kanban call overdue", "status": "late", "priority": "High",
             "due_date": yesterday, "assignees": ["sales1@riyadh.test"]},
        ]
    )  # fmt: skip
    return sites["riyadh"], moved, stuck


def card_id(site, task_id) -> str:
    return f"card-{site.pk}-{task_id}"


def card(page, site, task_id):
    return page.locator(f"#{card_id(site, task_id)}")


def in_column(page, status, site, task_id):
    """The card in that column, with the status the site answered."""
    return page.locator(
        f'[data-column="{status}"] #card-{site.pk}-{task_id}[data-status="{status}"]'
    )


def drag(page, source, column_status):
    """Picks the card up by its people line (not a control) and drops it in the column's list;
    SortableJS follows pointer moves, so the pointer travels there in steps."""
    target = page.locator(f'[data-column="{column_status}"] [data-board-list]')
    start = source.locator(".card-people").bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + 5, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 20, start["y"] + 10, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] - 10, steps=20)
    # Over the column: Sortable has put the card there before the drop.
    expect(page.locator(f'[data-column="{column_status}"] .board-ghost')).to_have_count(1)
    page.mouse.up()


def move_with_control(page, source, status, lang):
    source.locator("select[name=status]").select_option(status)
    source.get_by_role("button", name="Move" if lang == "en" else "انقل").click()


def no_sideways_scroll(page, width):
    page.wait_for_function("(w) => document.documentElement.scrollWidth <= w", arg=width)


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_card_moved_to_done_stays_and_a_refused_move_goes_back_saying_why(
    page, live_server, board_world, standin, console_errors, lang, screen
):
    site, moved, stuck = board_world
    stored = standin.sites["riyadh"].control
    size = DESKTOP if screen == "desktop" else PHONE
    page.set_viewport_size(size)
    log_in(page, live_server, "mona", PASSWORD)
    if lang == "ar":
        switch_language(page, "العربية", "ar")
    page.goto(f"{live_server.url}/tasks/board/?q=Kanban+call")
    expect(in_column(page, "open", site, moved)).to_be_visible()
    expect(in_column(page, "open", site, stuck)).to_have_count(1)
    no_sideways_scroll(page, size["width"])
    if screen == "desktop":
        # Columns follow the reading direction: the first one is on the right in Arabic.
        first = page.locator('[data-column="open"]').bounding_box()
        last = page.locator('[data-column="cancelled"]').bounding_box()
        assert (first["x"] < last["x"]) == (lang == "en")

    # A move the site saves: the card stays in "done", and is there after a reload.
    if screen == "desktop":
        drag(page, card(page, site, moved), "done")
    else:
        move_with_control(page, card(page, site, moved), "done", lang)
    expect(in_column(page, "done", site, moved)).to_have_count(1)
    expect(page.locator("#announcer")).to_contain_text("Kanban call to move")
    assert stored.task(moved)["status"] == "Done"
    page.reload()
    expect(in_column(page, "done", site, moved)).to_have_count(1)

    # A move the site refuses: back in its column, the site's reason in the alert area.
    if screen == "desktop":
        drag(page, card(page, site, stuck), "in_progress")
    else:
        move_with_control(page, card(page, site, stuck), "in_progress", lang)
    alert = page.locator("#alerts[role=alert] .alert")
    expect(alert).to_contain_text(REFUSED[lang])
    expect(in_column(page, "open", site, stuck)).to_have_count(1)
    expect(page.locator(f'[data-column="in_progress"] #{card_id(site, stuck)}')).to_have_count(0)
    expect(card(page, site, stuck).locator("select[name=status]")).to_have_value("open")
    assert stored.task(stuck)["status"] == "late"
    no_sideways_scroll(page, size["width"])
    assert portal_errors(console_errors, live_server) == []


def test_the_board_is_reached_from_the_navigation_and_links_to_the_rest_of_a_column(
    page, live_server, board_world, settings, console_errors
):
    settings.BOARD_COLUMN_CARDS = 1
    log_in(page, live_server, "mona", PASSWORD)
    page.get_by_role("link", name="Find tasks").first.click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Board").click()
    expect(page).to_have_url(f"{live_server.url}/tasks/board/")
    open_column = page.locator('[data-column="open"]')
    expect(open_column.locator(".task-card")).to_have_count(1)
    more = open_column.get_by_role("link", name=re.compile(r"more on the filter page"))
    more.click()
    expect(page).to_have_url(re.compile(r"/tasks/\?.*status=open"))
    expect(page.locator("#id_status_0")).to_be_checked()
    assert portal_errors(console_errors, live_server) == []
