"""The filter page: each filter against what the sites hold, whole end days, portal statuses
mapped per site, the URL carrying everything, pagination across sites without gaps."""

from datetime import date, timedelta
from urllib.parse import urlencode

import pytest

from .conftest import ZONES
from .helpers import all_tasks, row_keys

pytestmark = pytest.mark.django_db(transaction=True)


def every_page(client, params: dict) -> list[tuple[int, str]]:
    shown, page = [], 1
    while True:
        html = client.get("/tasks/?" + urlencode({**params, "page": page}, doseq=True))
        text = html.content.decode()
        shown += row_keys(text)
        if 'rel="next"' not in text:
            return shown
        page += 1


def expected(three_sites, standin, keep) -> set[tuple[int, str]]:
    return {
        (three_sites[name].pk, task.id)
        for name in three_sites
        for task in all_tasks(standin.sites[name], ZONES[name])
        if keep(name, task)
    }


def test_the_end_day_counts_whole(client, member, three_sites, standin):
    handle = standin.sites["riyadh"]
    late_evening, next_midnight = handle.control.insert_tasks(
        [
            {"title": "Late on the last day", "start_date": "2031-03-10 23:30:00"},
            {"title": "Next day at midnight", "start_date": "2031-03-11 00:00:00"},
        ]
    )
    client.force_login(member)
    html = client.get("/tasks/?date_from=2031-03-10&date_to=2031-03-10").content.decode()
    site_id = three_sites["riyadh"].pk
    assert row_keys(html) == [(site_id, str(late_evening))]
    assert (site_id, str(next_midnight)) not in row_keys(html)


def test_portal_statuses_are_mapped_per_site(client, member, three_sites, standin, settings):
    settings.INBOX_PAGE_SIZE = 500
    client.force_login(member)
    shown = set(every_page(client, {"status": ["done"]}))
    # Done on deployed and plain sites, Completed on the documented one.
    want = expected(three_sites, standin, lambda _, t: t.status in ("Done", "Completed"))
    assert shown == want
    assert {s for s, _ in shown} == {site.pk for site in three_sites.values()}


def test_priority_title_site_and_assignee_filters_combine(
    client, member, three_sites, standin, settings
):
    settings.INBOX_PAGE_SIZE = 500
    for name in ("riyadh", "plainsite", "cairo"):
        standin.sites[name].control.insert_tasks(
            [
                {"title": "CALL the landlord", "priority": "High",
                 "assignees": [f"sales1@{name}.test"]},
                {"title": "Call someone else's client", "priority": "High",
                 "assignees": [f"sales2@{name}.test"]},
            ]
        )  # fmt: skip
    client.force_login(member)
    params = {
        "priority": ["High"],
        "q": "call",
        "site": [three_sites["riyadh"].pk, three_sites["plainsite"].pk],
        "assignee": "me",
    }
    shown = set(every_page(client, params))
    want = expected(
        three_sites,
        standin,
        lambda name, t: (
            name in ("riyadh", "plainsite")
            and t.priority == "High"
            and "call" in t.title.lower()
            and t.is_assigned_to(f"sales1@{name}.test")
        ),
    )
    assert shown == want and want


def test_pages_across_sites_have_no_gap_and_no_repeat(
    client, member, three_sites, standin, settings
):
    settings.INBOX_PAGE_SIZE = 9
    client.force_login(member)
    start = (date.today() - timedelta(days=3)).isoformat()
    shown = every_page(client, {"date_from": start})
    want = expected(
        three_sites,
        standin,
        lambda name, t: t.start_date is not None and t.start_date.date().isoformat() >= start,
    )
    assert len(shown) == len(set(shown)) and set(shown) == want and len(want) > 9


def test_the_url_carries_the_filters_and_the_page_links_keep_them(client, member, three_sites):
    client.force_login(member)
    url = "/tasks/?q=Call&priority=High&priority=Medium&status=open&date_from=2026-01-01"
    html = client.get(url).content.decode()
    assert 'value="Call"' in html
    assert 'value="High"\n' in html or 'value="High" checked' in html or "checked" in html
    assert 'name="date_from" value="2026-01-01"' in html
    if 'rel="next"' in html:
        assert "q=Call&amp;priority=High&amp;priority=Medium&amp;status=open" in html


def test_no_match_says_so_and_offers_to_clear(client, member, three_sites):
    client.force_login(member)
    html = client.get("/tasks/?q=no-such-title-anywhere").content.decode()
    assert "No task matches these filters." in html and "Clear filters" in html


def test_an_invalid_range_is_explained_not_a_500(client, member, three_sites):
    client.force_login(member)
    response = client.get("/tasks/?date_from=2026-05-02&date_to=2026-05-01")
    assert response.status_code == 200
    assert "The end day is before the start day." in response.content.decode()


def test_htmx_filtering_renders_only_the_results(client, member, three_sites):
    client.force_login(member)
    response = client.get("/tasks/?priority=Low", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert response.content.decode().lstrip().startswith('<section id="results"')


def test_the_none_assignee_keeps_the_overdue_tasks_nobody_holds(
    client, member, three_sites, standin, settings
):
    """What the reminders overview links to: a site's overdue tasks without an assignee."""
    from portal import clock
    from portal.sites.buckets import bucket

    settings.INBOX_PAGE_SIZE = 500
    client.force_login(member)
    riyadh = three_sites["riyadh"]
    params = {"site": [riyadh.pk], "bucket": "overdue", "assignee": "none"}
    shown = every_page(client, params)
    now = clock.now()
    want = expected(
        three_sites,
        standin,
        lambda name, t: name == "riyadh" and not t.assignees and bucket(t, now) == "overdue",
    )
    assert set(shown) == want and want and len(shown) == len(want)
