"""Sorting by a column heading and saving the view, in English and in Arabic: the heading says
how it sorts, the saved view is listed with its link, and as start page it opens at home."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, portal_errors, switch_language
from tests.browser.test_inbox_actions import insert
from tests.browser.test_inbox_buckets import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(portal_site, connect, django_user_model, settings, live_server, standin):
    make_world(portal_site, connect, django_user_model, settings, live_server)
    for name, title in (
        ("riyadh", "Sortme bravo"),
        ("cairo", "Sortme alpha"),
        ("riyadh", "Sortme charlie"),
    ):
        insert(standin, name, title)


def titles(page):
    return page.locator("table.tasks tbody tr td.title bdi")


@pytest.mark.parametrize(
    ("language", "button", "task_heading", "view_name", "save", "start_label"),
    [
        ("en", None, "Task", "My sorted view", "Save view", "Open it when I open the portal"),
        ("ar", "العربية", "المهمة", "عرضي المرتب", "احفظ العرض", "افتحه عندما أفتح البوابة"),
    ],
)
def test_sort_by_a_heading_save_the_view_and_open_it_at_home(
    page,
    live_server,
    world,
    console_errors,
    language,
    button,
    task_heading,
    view_name,
    save,
    start_label,
):
    log_in(page, live_server, "mona", PASSWORD)
    if button:
        switch_language(page, button, language)
    page.locator("#header-search").fill("Sortme")
    page.locator("#header-search").press("Enter")
    expect(page).to_have_url(re.compile(r"/tasks/\?q=Sortme"))
    expect(page.locator("table.tasks tbody tr")).to_have_count(3)

    heading = page.locator("th[data-sort-key='title']")
    heading.get_by_role("link", name=task_heading).click()
    expect(heading).to_have_attribute("aria-sort", "ascending")
    expect(titles(page)).to_have_text(["Sortme alpha", "Sortme bravo", "Sortme charlie"])
    heading.get_by_role("link", name=task_heading).click()
    expect(heading).to_have_attribute("aria-sort", "descending")
    expect(titles(page)).to_have_text(["Sortme charlie", "Sortme bravo", "Sortme alpha"])
    expect(page).to_have_url(re.compile(r"sort=title&dir=desc"))

    page.locator("#saved-views summary").click()
    page.locator("#save-view-name").fill(view_name)
    page.get_by_label(start_label).check()
    page.get_by_role("button", name=save).click()
    view_link = page.locator("#saved-views a[data-saved-view]")
    expect(view_link).to_have_text(view_name)
    expect(view_link).to_have_attribute("href", "/tasks/?q=Sortme&sort=title&dir=desc")

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/tasks/?q=Sortme&sort=title&dir=desc")
    expect(titles(page)).to_have_text(["Sortme charlie", "Sortme bravo", "Sortme alpha"])
    page.locator("a[href='/?scope=mine']").click()
    expect(page).to_have_url(f"{live_server.url}/?scope=mine")
    expect(page.locator("#counts")).to_be_visible()
    assert portal_errors(console_errors, live_server) == []


@pytest.mark.parametrize(
    ("language", "button", "menu", "descending"),
    [
        ("en", None, "Sort", "Task, descending"),
        ("ar", "العربية", "الترتيب", "المهمة، تنازليًا"),
    ],
)
def test_on_a_phone_the_sort_menu_sorts_across_sites(
    page, live_server, world, console_errors, language, button, menu, descending
):
    """At 390 px the rows are cards and the headings hidden: the menu gives the same sorts."""
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "mona", PASSWORD)
    if button:
        switch_language(page, button, language)
    page.goto(f"{live_server.url}/tasks/?q=Sortme")
    expect(page.locator("table.tasks tbody tr")).to_have_count(3)
    sort_menu = page.locator("details.sort-menu")
    expect(sort_menu).to_be_visible()
    sort_menu.locator("summary").click()
    sort_menu.get_by_role("link", name=descending).click()
    expect(page).to_have_url(re.compile(r"sort=title&dir=desc"))
    expect(titles(page)).to_have_text(["Sortme charlie", "Sortme bravo", "Sortme alpha"])
    expect(page.locator("details.sort-menu summary")).to_contain_text(menu)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 390
    assert portal_errors(console_errors, live_server) == []
