"""Lists across the stand-in sites: the inbox's counts by the one bucket definition, the filter
page's filters, and cursor pages that hold every task once, in the pages' order."""

from __future__ import annotations

import pytest

from tests.integration.tasks_ui.conftest import ZONES
from tests.integration.tasks_ui.helpers import expected_buckets, row_keys

pytestmark = pytest.mark.django_db(transaction=True)


def walk(api, url: str) -> tuple[list[dict], list[dict]]:
    """Every page from ``url`` on, following ``next``; the rows and each page's body."""
    rows, pages = [], []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        pages.append(body)
        url = body["next"]
    return rows, pages


def keys(rows) -> list[tuple[int, str]]:
    return [(row["site_id"], row["id"]) for row in rows]


def test_inbox_counts_follow_the_one_definition_on_every_flavour(
    api, three_sites, standin, frozen_now
):
    body = api.get("/api/v1/inbox/?scope=all&bucket=overdue").json()
    expected = {}
    for name in three_sites:
        for slot, count in expected_buckets(standin.sites[name], ZONES[name], frozen_now).items():
            expected[slot] = expected.get(slot, 0) + count
    open_slots = ("overdue", "late", "today", "upcoming")
    assert {slot: body["counts"]["all"][slot] for slot in open_slots} == {
        slot: expected.get(slot, 0) for slot in open_slots
    }
    assert body["count"] == expected["overdue"] and expected["overdue"] > 0
    # As on the page, today's finished tasks are read (and counted) with bucket today only.
    today = api.get("/api/v1/inbox/?scope=all&bucket=today").json()
    assert today["counts"]["all"]["today_finished"] == expected["today_finished"] > 0
    assert len(today["finished_today"]) == expected["today_finished"]
    mine = api.get("/api/v1/inbox/?scope=mine&bucket=late").json()
    assert all(
        any(person["user_id"].startswith("sales1@") for person in row["assignees"])
        for row in mine["results"]
    )


def test_cursor_pages_hold_every_task_once_in_the_pages_order(
    api, client, member, three_sites, settings
):
    settings.INBOX_PAGE_SIZE = 7
    rows, pages = walk(api, "/api/v1/inbox/?scope=all&bucket=upcoming")
    assert len(pages) > 2
    assert len(keys(rows)) == len(set(keys(rows))) == pages[0]["count"]
    assert all(row["bucket"] == "upcoming" for row in rows)
    # The same order as the inbox page, page after page.
    client.force_login(member)
    shown = []
    for number in range(1, len(pages) + 1):
        html = client.get(f"/?scope=all&bucket=upcoming&page={number}").content.decode()
        shown += [(site, task) for site, task in row_keys(html)]
    assert keys(rows) == shown


def test_a_task_done_between_two_pages_neither_repeats_nor_hides_a_row(
    api, three_sites, standin, settings
):
    settings.INBOX_PAGE_SIZE = 5
    settings.SITE_CACHE_SECONDS = 0
    url = f"/api/v1/tasks/?status=open&site={three_sites['cairo'].pk}"
    first = api.get(url).json()
    before = keys(first["results"])
    # The first row is done now: page 2 must start after the last row of page 1 anyway.
    site_id, task_id = before[0]
    done = api.post(f"/api/v1/tasks/{site_id}/{task_id}/status/", {"status": "done"},
                    format="json")  # fmt: skip
    assert done.status_code == 200, done.content
    rest, _pages = walk(api, first["next"])
    everything = walk(api, url)[0]
    assert set(keys(rest)).isdisjoint(before)
    assert keys(everything) == before[1:] + keys(rest)


def test_filters_give_the_filter_pages_rows(api, client, member, three_sites):
    riyadh = three_sites["riyadh"]
    query = f"priority=High&status=open&status=in_progress&site={riyadh.pk}&q=a"
    rows, _pages = walk(api, f"/api/v1/tasks/?{query}")
    assert rows and all(
        row["priority"] == "High" and row["portal_status"] in ("open", "in_progress")
        and row["site_id"] == riyadh.pk and "a" in row["title"].lower()
        for row in rows
    )  # fmt: skip
    client.force_login(member)
    html = client.get(f"/tasks/?{query}").content.decode()
    assert keys(rows)[: len(row_keys(html))] == row_keys(html)


def test_a_cursor_is_bound_to_its_filters(api, three_sites, settings):
    settings.INBOX_PAGE_SIZE = 5
    first = api.get("/api/v1/tasks/?status=open").json()
    cursor = first["next"].split("cursor=")[1]
    response = api.get(f"/api/v1/tasks/?status=done&cursor={cursor}")
    assert response.status_code == 400
    assert "other filters" in response.json()["errors"]["cursor"][0]
