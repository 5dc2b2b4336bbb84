"""Keyboard shortcuts of the task lists, in English and in Arabic (right to left, an Arabic
keyboard layout): j/k move between rows, x selects, e edits, d marks done, / searches, ? lists
them in a dialog that keeps focus and closes with Escape. Never while typing in a field."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, portal_errors, switch_language
from tests.browser.test_inbox_actions import insert
from tests.browser.test_inbox_buckets import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(portal_site, connect, django_user_model, settings, live_server, standin):
    _, sites = make_world(portal_site, connect, django_user_model, settings, live_server)
    ids = {
        "first": ("riyadh", insert(standin, "riyadh", "Kbdtask alpha")),
        "second": ("cairo", insert(standin, "cairo", "Kbdtask bravo")),
        "third": ("riyadh", insert(standin, "riyadh", "Kbdtask charlie")),
    }
    return sites, ids


def row_of(page, sites, ids, which):
    name, task_id = ids[which]
    return page.locator(f"#task-{sites[name].pk}-{task_id}")


def open_list(page, live_server):
    page.goto(f"{live_server.url}/tasks/?q=Kbdtask&sort=title&dir=asc")
    expect(page.locator("table.tasks tbody tr")).to_have_count(3)


def test_moving_selecting_and_the_list_of_shortcuts(page, live_server, world, console_errors):
    sites, ids = world
    log_in(page, live_server, "mona", PASSWORD)
    open_list(page, live_server)
    first, second = row_of(page, sites, ids, "first"), row_of(page, sites, ids, "second")

    page.keyboard.press("j")
    expect(first).to_be_focused()
    page.keyboard.press("j")
    expect(second).to_be_focused()
    page.keyboard.press("k")
    expect(first).to_be_focused()
    page.keyboard.press("Shift+J")  # a modifier: not a shortcut
    expect(first).to_be_focused()

    page.keyboard.press("x")
    expect(first.locator("input[name='row']")).to_be_checked()
    expect(page.locator("[data-selected-count]")).to_have_text("1 selected")
    page.keyboard.press("x")
    expect(first.locator("input[name='row']")).not_to_be_checked()

    page.keyboard.press("/")
    search = page.locator("#header-search")
    expect(search).to_be_focused()
    page.keyboard.type("jx")  # typing in a field is typing, not shortcuts
    expect(search).to_have_value("jx")
    expect(first.locator("input[name='row']")).not_to_be_checked()

    first.focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    close = dialog.get_by_role("button", name="Close")
    expect(close).to_be_focused()
    page.keyboard.press("Tab")
    expect(close).to_be_focused()  # focus stays inside the dialog
    page.keyboard.press("Shift+Tab")
    expect(close).to_be_focused()
    page.keyboard.press("j")  # nothing moves behind the dialog
    expect(close).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(first).to_be_focused()  # back where it was

    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    assert portal_errors(console_errors, live_server) == []


def test_done_and_edit_from_the_keyboard(page, live_server, world, standin, console_errors):
    sites, ids = world
    log_in(page, live_server, "mona", PASSWORD)
    open_list(page, live_server)
    second = row_of(page, sites, ids, "second")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(second).to_be_focused()
    page.keyboard.press("d")
    # The answer replaces the row; focus lands on its new button, still inside the row.
    expect(second.get_by_role("button", name="Reopen")).to_be_focused()
    assert standin.sites["cairo"].control.task(ids["second"][1])["status"] == "Completed"

    third = row_of(page, sites, ids, "third")
    page.keyboard.press("j")
    expect(third).to_be_focused()
    page.keyboard.press("e")
    expect(page).to_have_url(re.compile(rf"/tasks/{sites['riyadh'].pk}/{ids['third'][1]}/edit/"))
    assert portal_errors(console_errors, live_server) == []


def arabic_key(page, key: str, code: str, *, shift: bool = False):
    """A key as an Arabic layout sends it: the Arabic letter, the key's place on the keyboard."""
    page.evaluate(
        """([key, code, shift]) => (document.activeElement || document.body).dispatchEvent(
            new KeyboardEvent("keydown", {key, code, shiftKey: shift, bubbles: true,
                                          cancelable: true}))""",
        [key, code, shift],
    )


def test_the_shortcuts_in_arabic_right_to_left(page, live_server, world, console_errors):
    sites, ids = world
    log_in(page, live_server, "mona", PASSWORD)
    switch_language(page, "العربية", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    open_list(page, live_server)
    first, second = row_of(page, sites, ids, "first"), row_of(page, sites, ids, "second")

    page.keyboard.press("j")  # a Latin layout on an Arabic page
    expect(first).to_be_focused()
    arabic_key(page, "ت", "KeyJ")  # j on an Arabic layout
    expect(second).to_be_focused()
    arabic_key(page, "ن", "KeyK")
    expect(first).to_be_focused()
    arabic_key(page, "ء", "KeyX")
    expect(first.locator("input[name='row']")).to_be_checked()

    arabic_key(page, "؟", "Slash", shift=True)
    dialog = page.get_by_role("dialog", name="اختصارات لوحة المفاتيح")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="إغلاق")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(first).to_be_focused()

    arabic_key(page, "ظ", "Slash")
    expect(page.locator("#header-search")).to_be_focused()
    assert portal_errors(console_errors, live_server) == []
