"""How the pages look and read, in English and Arabic, on a desktop and a phone: every page fits
390 px without sideways scrolling, task rows become cards whose actions work, the inbox shows
at least 15 task rows on a 1366 × 900 screen, long titles wrap, the title counter refuses a
title longer than the site takes (never cutting it), site words read in Arabic with the site's
own word on hover, and screenshots of the main pages are kept as artefacts (not assertions)."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.conftest import log_in, portal_errors, switch_language
from tests.browser.look_world import (
    ANONYMOUS_PAGES,
    ARTEFACTS,
    LONG_TITLE,
    MEMBER_PAGES,
    MEMBER_PASSWORD,
    PASSWORD,
    make_look_world,
    pages,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOTS = ARTEFACTS / "screenshots"
MAIN_PAGES = ("inbox", "find-tasks", "board", "calendar", "task", "create", "task-delete",
              "sites", "site", "people", "audit", "reminders", "deliveries", "reports")  # fmt: skip


@pytest.fixture
def look_world(portal_site, connect, django_user_model, settings, live_server, standin):
    return make_look_world(portal_site, connect, django_user_model, settings, live_server, standin)


def in_language(page, live_server, lang: str):
    """Logged in as the admin, pages in ``lang``."""
    log_in(page, live_server, "ada", PASSWORD)
    if lang == "ar":
        switch_language(page, "العربية", "ar")


def open_page(page, live_server, path: str, lang: str):
    page.goto(f"{live_server.url}{path}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("main#main")).to_be_visible()


def wider_than(page, width: int) -> str | None:
    """None once the page is no wider than ``width`` (polled: fonts and htmx parts settle);
    else its width and the elements that stick out, for the failure message."""
    try:
        page.wait_for_function(
            "(width) => document.documentElement.scrollWidth <= width", arg=width, timeout=5_000
        )
        return None
    except PlaywrightError:
        return page.evaluate(
            """(width) => document.documentElement.scrollWidth + ' px: ' + Array.from(
                 document.querySelectorAll('body *:not(.skip-link)')).filter(el => {
                   const box = el.getBoundingClientRect();
                   return box.right > width + 1 || box.left < -1; })
                 .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                   + (typeof el.className === 'string' && el.className
                      ? '.' + el.className.trim().replace(/\\s+/g, '.') : '')).join(', ')""",
            width,
        )


def script_errors(errors, live_server) -> list[str]:
    """The portal's script errors and CSP violations; the 404 page's own status is no error."""
    return [e for e in portal_errors(errors, live_server) if "status of 404" not in e]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_fits_a_phone_and_a_tablet_without_scrolling_sideways(
    page, live_server, look_world, lang, console_errors
):
    page.set_viewport_size(PHONE)
    in_language(page, live_server, lang)
    too_wide = {}
    for name, path in pages(look_world):
        page.set_viewport_size(PHONE)
        open_page(page, live_server, path, lang)
        if problem := wider_than(page, PHONE["width"]):
            too_wide[name] = problem
        page.set_viewport_size(TABLET)  # the same page on a tablet held upright
        if problem := wider_than(page, TABLET["width"]):
            too_wide[f"{name} (tablet)"] = problem
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Log out" if lang == "en" else "تسجيل الخروج").click()
    for name, path in ANONYMOUS_PAGES:
        open_page(page, live_server, path, lang)
        if problem := wider_than(page, PHONE["width"]):
            too_wide[name] = problem
    assert too_wide == {}
    assert script_errors(console_errors, live_server) == []


def test_the_focus_ring_shows_on_every_page(page, live_server, look_world):
    """Keyboard focus is always visible: the portal's ring (3 px) on the first controls."""
    log_in(page, live_server, "ada", PASSWORD)
    without_ring = []
    for name, path in pages(look_world):
        open_page(page, live_server, path, "en")
        for _ in range(3):  # the skip link, the brand, the first link of the navigation
            page.keyboard.press("Tab")
            ring = page.evaluate(
                """() => { const style = getComputedStyle(document.activeElement);
                           return style.outlineStyle + ' ' + style.outlineWidth; }"""
            )
            if ring != "solid 3px":
                without_ring.append(f"{name}: {ring}")
    assert without_ring == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_task_rows_are_cards_on_a_phone_and_their_actions_work(
    page, live_server, look_world, lang, standin, console_errors
):
    page.set_viewport_size(PHONE)
    in_language(page, live_server, lang)
    riyadh = look_world.sites["riyadh"]
    open_page(page, live_server, "/tasks/?q=villa", lang)
    row = page.locator(f"#task-{riyadh.pk}-{look_world.task_id}")
    expect(row).to_have_css("display", "grid")
    expect(page.locator("table.tasks thead")).to_have_css("position", "absolute")
    # Each value says what it is, as the column heading did.
    label = "Priority" if lang == "en" else "الأولوية"
    expect(row.locator("td:has(.prio)")).to_have_attribute("data-label", label)
    # The long title wraps inside the card.
    title = row.get_by_role("link", name=LONG_TITLE)
    expect(title).to_be_visible()
    box = title.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    done = row.get_by_role("button", name="Done" if lang == "en" else "تم")
    done.scroll_into_view_if_needed()
    expect(done).to_be_in_viewport(ratio=1)
    for name in ("Edit", "Delete") if lang == "en" else ("تعديل", "حذف"):
        expect(row.get_by_role("link", name=name, exact=True)).to_be_visible()
    done.click()
    expect(row).to_have_class("finished")
    reopen = row.get_by_role("button", name="Reopen" if lang == "en" else "إعادة فتح")
    expect(reopen).to_be_focused()
    assert standin.sites["riyadh"].control.task(int(look_world.task_id))["status"] == "Done"
    assert portal_errors(console_errors, live_server) == []


def test_the_inbox_shows_at_least_15_task_rows_on_a_laptop_screen(
    page, live_server, look_world, standin
):
    standin.sites["cairo"].control.insert_tasks(
        [{"title": f"Overdue follow-up {n}", "priority": "Medium", "status": "Open",
          "start_date": "2026-01-01 09:00:00", "due_date": "2026-01-02 09:00:00",
          "assignees": ["sales1@cairo.test"]} for n in range(20)]
    )  # fmt: skip
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "ada", PASSWORD)
    page.goto(f"{live_server.url}/?scope=all&bucket=overdue")
    rows = page.locator("table.tasks tbody tr")
    expect(rows.nth(19)).to_be_attached()
    # The fifteenth row is wholly on the first screen, without scrolling.
    expect(rows.nth(14)).to_be_in_viewport(ratio=1)
    assert page.evaluate("window.scrollY") == 0


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_title_counts_against_the_sites_limit_and_a_longer_one_is_refused_not_cut(
    page, live_server, look_world, lang, standin
):
    riyadh = look_world.sites["riyadh"]
    in_language(page, live_server, lang)
    open_page(page, live_server, f"/tasks/{riyadh.pk}/new/", lang)
    title = page.locator("#id_title")
    counter = page.locator("#title-counter")
    expect(title).not_to_have_attribute("maxlength", re.compile(".*"))
    too_long = LONG_TITLE + " and more"
    title.fill(too_long)
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(title).to_have_attribute("aria-invalid", "true")
    if lang == "en":
        over = len(too_long) - 140
        expect(counter).to_have_text(f"{len(too_long)} of 140 characters: {over} too many")
    page.locator("button[type=submit].primary").click()
    error = page.locator(".field .errorlist").first
    expect(error).to_contain_text("140")
    if lang == "en":
        expect(error).to_contain_text("Shorten it: nothing was cut.")
    expect(title).to_have_value(too_long)  # kept whole, for the person to shorten

    title.fill(LONG_TITLE)  # exactly 140
    expect(counter).not_to_have_class(re.compile(r"\bover\b"))
    page.locator("button[type=submit].primary").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{riyadh.pk}/\d+/$"))
    created = page.url.rstrip("/").rsplit("/", 1)[1]
    assert standin.sites["riyadh"].control.task(int(created))["title"] == LONG_TITLE


def test_site_words_read_in_arabic_with_the_sites_word_on_hover(page, live_server, look_world):
    riyadh = look_world.sites["riyadh"]
    in_language(page, live_server, "ar")
    open_page(page, live_server, "/tasks/?q=villa", "ar")
    row = page.locator(f"#task-{riyadh.pk}-{look_world.task_id}")
    priority = row.locator(".prio span[title]")
    expect(priority).to_have_attribute("title", "High")
    expect(priority).to_have_text("عالية")
    expect(row.locator(".site-status span[title]")).to_have_attribute("title", "Todo")

    open_page(page, live_server, f"/tasks/{riyadh.pk}/{look_world.task_id}/", "ar")
    expect(page.locator("#task-summary .prio span")).to_have_text("عالية")
    # History in words: the action and the status in Arabic, no internal names.
    history = page.locator("section[aria-labelledby=history-h] table")
    expect(history).to_contain_text("غيّر الحالة")
    expect(history).not_to_contain_text("task_status")
    expect(history).not_to_contain_text("in_progress")


def test_the_same_assignee_reads_the_same_in_a_fresh_row_after_a_swap_and_on_the_task_page(
    page, live_server, look_world
):
    """A list answer names assignees by email only and a full answer by name: the row the
    list gave and the row a swap gave read the same, and once a page has learnt the name,
    every page shows it."""
    riyadh = look_world.sites["riyadh"]
    log_in(page, live_server, "ada", PASSWORD)
    page.goto(f"{live_server.url}/tasks/?q=villa")
    row = page.locator(f"#task-{riyadh.pk}-{look_world.task_id}")
    people = row.locator("td.col-people bdi")
    # A name not learnt yet reads as the address itself (no hover that repeats it).
    expect(people).to_have_count(1)
    fresh = people.inner_text()
    row.get_by_role("button", name="Done").click()
    expect(row).to_have_class("finished")
    expect(people).to_have_text(fresh)  # the swapped row, as the rest of the page
    page.goto(f"{live_server.url}/tasks/{riyadh.pk}/{look_world.task_id}/")
    named = page.locator("#assignees bdi")
    expect(named).to_have_attribute("title", "sales1@riyadh.test")
    name = named.inner_text()
    page.goto(f"{live_server.url}/tasks/?q=villa")
    expect(people).to_have_text(name)
    page.goto(f"{live_server.url}/?scope=all&bucket=today")
    expect(page.locator(f"#task-{riyadh.pk}-{look_world.task_id} td.col-people bdi")).to_have_text(
        name
    )


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_screenshots_of_the_main_pages(page, live_server, look_world, lang):
    """Artefacts for people to look at (var/test/screenshots/), not assertions."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    in_language(page, live_server, lang)
    named = dict(pages(look_world))
    taken = []
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for name in MAIN_PAGES:
            open_page(page, live_server, named[name], lang)
            path = SCREENSHOTS / f"{lang}-{size_name}-{name}.png"
            page.screenshot(path=str(path), full_page=True)
            taken.append(path)
    page.get_by_role("button", name="Log out" if lang == "en" else "تسجيل الخروج").click()
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        open_page(page, live_server, "/accounts/login/", lang)
        path = SCREENSHOTS / f"{lang}-{size_name}-login.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
    print(f"\n{len(taken)} screenshots in {SCREENSHOTS}")
    assert all(path.stat().st_size > 0 for path in taken)


def test_the_forbidden_page_fits_a_phone(page, live_server, look_world):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "omar", MEMBER_PASSWORD)
    for _name, path in MEMBER_PAGES:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_be_visible()
        assert wider_than(page, PHONE["width"]) is None
