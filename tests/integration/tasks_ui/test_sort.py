"""Sorting by a column across sites: the filter page and the inbox merge every site's rows,
then order them by the chosen column; a big site that gave only its first rows is named."""

from urllib.parse import urlencode

import pytest

from portal import clock
from portal.sites.buckets import bucket
from portal.tasks_ui.selectors.sizes import site_mark_big

from .conftest import ZONES
from .helpers import all_tasks, row_keys

pytestmark = pytest.mark.django_db(transaction=True)


def tasks_by_key(three_sites, standin):
    return {
        (three_sites[name].pk, task.id): task
        for name in three_sites
        for task in all_tasks(standin.sites[name], ZONES[name])
    }


def every_page(client, path: str, params: dict) -> list[tuple[int, str]]:
    shown, page = [], 1
    while True:
        text = client.get(f"{path}?" + urlencode({**params, "page": page}, doseq=True))
        text = text.content.decode()
        shown += row_keys(text)
        if 'rel="next"' not in text:
            return shown
        page += 1


def test_the_filter_page_sorts_by_due_date_descending_across_sites(
    client, member, three_sites, standin, settings
):
    settings.INBOX_PAGE_SIZE = 40
    client.force_login(member)
    tasks = tasks_by_key(three_sites, standin)
    shown = every_page(client, "/tasks/", {"sort": "due", "dir": "desc"})
    assert set(shown) == set(tasks)
    assert len(shown) == len(set(shown))  # pages neither repeat nor skip a row
    dues = [tasks[key].due_date for key in shown]
    dated = [d for d in dues if d is not None]
    assert dated == sorted(dated, reverse=True)
    # Undated tasks come last, after every dated one.
    assert dues[len(dated) :] == [None] * (len(dues) - len(dated))
    assert len({site for site, _ in shown[:40]}) > 1  # merged across sites, not site by site


def test_the_filter_page_sorts_by_title_ascending(client, member, three_sites, standin, settings):
    settings.INBOX_PAGE_SIZE = 500
    client.force_login(member)
    tasks = tasks_by_key(three_sites, standin)
    shown = row_keys(client.get("/tasks/?sort=title&dir=asc").content.decode())
    titles = [tasks[key].title.casefold() for key in shown if tasks[key].title]
    assert titles == sorted(titles)
    assert len(shown) == len(tasks)


def test_the_sorted_heading_says_so_and_its_link_flips_the_direction(client, member, three_sites):
    client.force_login(member)
    html = client.get("/tasks/?q=a&sort=priority&dir=asc").content.decode()
    assert 'aria-sort="ascending" data-sort-key="priority"' in html
    assert 'href="?q=a&amp;sort=priority&amp;dir=desc"' in html
    assert 'href="?q=a&amp;sort=due&amp;dir=asc"' in html  # another column starts ascending
    assert html.count("aria-sort=") == 1
    flipped = client.get("/tasks/?q=a&sort=priority&dir=desc").content.decode()
    assert 'aria-sort="descending" data-sort-key="priority"' in flipped


def test_the_pager_keeps_the_sort(client, member, three_sites, settings):
    settings.INBOX_PAGE_SIZE = 5
    client.force_login(member)
    html = client.get("/tasks/?sort=site&dir=desc").content.decode()
    assert "sort=site&amp;dir=desc&amp;page=2" in html


def test_an_unknown_sort_is_the_portal_order(client, member, three_sites, settings):
    settings.INBOX_PAGE_SIZE = 500
    client.force_login(member)
    plain = row_keys(client.get("/tasks/").content.decode())
    odd = row_keys(client.get("/tasks/?sort=<script>&dir=sideways").content.decode())
    assert odd == plain


def test_a_big_site_that_gave_its_first_rows_is_named_beside_a_chosen_sort(
    client, member, three_sites, settings
):
    settings.INBOX_PAGE_SIZE = 5
    site_mark_big(three_sites["riyadh"].pk)
    client.force_login(member)
    sorted_page = client.get("/tasks/?sort=title&dir=asc").content.decode()
    assert 'class="sort-note"' in sorted_page
    note = sorted_page.split('class="sort-note"')[1].split("</p>")[0]
    assert "Riyadh" in note
    assert "Plainsite" not in note
    # The portal's own order is the order a big site gives: nothing to warn about.
    assert 'class="sort-note"' not in client.get("/tasks/").content.decode()


def test_small_sites_sort_without_a_note(client, member, three_sites, settings):
    settings.INBOX_PAGE_SIZE = 5
    client.force_login(member)
    assert 'class="sort-note"' not in client.get("/tasks/?sort=title").content.decode()


def test_the_inbox_bucket_sorts_by_start_across_sites(
    client, member, three_sites, standin, settings
):
    settings.INBOX_PAGE_SIZE = 500
    client.force_login(member)
    tasks = tasks_by_key(three_sites, standin)
    html = client.get("/?scope=all&bucket=upcoming&sort=start&dir=desc").content.decode()
    shown = row_keys(html)
    now = clock.now()
    want = {key for key, task in tasks.items() if bucket(task, now) == "upcoming"}
    assert set(shown) == want
    starts = [tasks[key].start_date for key in shown if tasks[key].start_date]
    assert starts == sorted(starts, reverse=True)
    assert 'aria-sort="descending" data-sort-key="start"' in html
    assert "scope=all&amp;bucket=upcoming&amp;sort=title&amp;dir=asc" in html
