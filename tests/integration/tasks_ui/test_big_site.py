"""A site with 10,000 tasks: exact buckets from the site's counts, the rows a page shows, and
complete filter results, in few requests."""

import re
from datetime import timedelta
from urllib.parse import unquote_plus

import pytest

from portal.sites.models import Site, SiteGrant
from portal.tasks_ui.selectors.inbox import BUCKETS, SCOPES, inbox_for_user
from tests.standin_sites import connect_user, register_site, site_users, standin_config

from .helpers import expected_buckets, last_seq, page_counts, requests_since

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def big_standin():
    from standin.testing import StandinProcess

    clients = standin_config(Site.redirect_uri())["sites"][0]["oauth_clients"]
    config = {
        "sites": [
            {
                "name": "bigsite",
                "flavour": "deployed",
                "time_zone": "UTC",
                "seed_size": 10_000,
                "seed": 7,
                "users": site_users("bigsite.test"),
                "oauth_clients": clients,
            }
        ]
    }
    with StandinProcess(config, startup_timeout=120) as process:
        yield process


@pytest.fixture
def big(big_standin, member, frozen_now):
    handle = big_standin.sites["bigsite"]
    handle.control.set_clock(now=frozen_now.isoformat())
    site = register_site(handle, time_zone="UTC")
    SiteGrant.objects.create(site=site, user=member)
    connect_user(user=member, site=site, as_user="sales1@bigsite.test")
    yield handle, site
    handle.control.set_clock(mode="real")


def test_the_inbox_of_a_big_site_is_complete(client, member, big, frozen_now):
    handle, _ = big
    client.force_login(member)
    mark = last_seq(handle)
    html = client.get("/?scope=all&bucket=overdue").content.decode()
    calls = requests_since(handle, mark)
    expected = expected_buckets(handle, "UTC", frozen_now)
    assert page_counts(html) == {b: expected.get(b, 0) for b in page_counts(html)}
    assert sum(page_counts(html).values()) > 5000
    # One page of open tasks tells the site is big; then counts and the page's rows only.
    pages = [c for c in calls if "limit_page_length=1000" in str(c.get("query"))]
    assert len(pages) == 1, [c["path"] for c in calls]
    assert len(calls) <= 30, [c["path"] for c in calls]
    mark = last_seq(handle)
    mine = client.get("/?scope=mine&bucket=overdue").content.decode()
    again = requests_since(handle, mark)
    assert not [c for c in again if "limit_page_length=1000" in str(c.get("query"))]
    assert page_counts(mine)["overdue"] == expected_buckets(
        handle, "UTC", frozen_now, user="sales1@bigsite.test"
    ).get("overdue", 0)


def test_the_filter_page_finds_all_10000_tasks_then_asks_for_pages_only(client, member, big):
    handle, _ = big
    client.force_login(member)
    mark = last_seq(handle)
    html = client.get("/tasks/").content.decode()
    calls = requests_since(handle, mark)
    assert re.search(r"10,?000 tasks found", html)
    assert "tasks 1–50 of 10,000" in html or "tasks 1–50 of 10000" in html
    assert len(calls) <= 12
    mark = last_seq(handle)
    html = client.get("/tasks/?page=2").content.decode()
    again = requests_since(handle, mark)  # now known big: counts and this page's rows only
    assert not [c for c in again if "limit_page_length=1000" in str(c.get("query"))]
    assert "tasks 51–100 of 10,000" in html or "tasks 51–100 of 10000" in html


def test_once_the_site_is_known_big_the_filter_page_asks_only_for_the_rows_it_shows(
    client, member, big, frozen_now
):
    """Counts and the page's rows: a fixed number of requests, none reading the whole site, and
    the page's rows the true ones (every task read here to check)."""
    from portal.sites.backends.frappe import bucket
    from portal.tasks_ui.selectors.rows import Row, row_order
    from portal.tasks_ui.selectors.sizes import site_mark_big

    from .helpers import all_tasks, row_keys

    handle, site = big
    site_mark_big(site.pk)
    client.force_login(member)
    mark = last_seq(handle)
    html = client.get("/tasks/?bucket=overdue&page=3").content.decode()
    calls = requests_since(handle, mark)
    every = [t for t in all_tasks(handle, "UTC") if bucket(t, frozen_now) == "overdue"]
    rows = sorted(
        (Row(site_id=site.pk, site_name=site.name, task=t, bucket="overdue", people=(),
             can_write=True) for t in every),
        key=row_order,
    )  # fmt: skip
    total = f"{len(every):,}"
    assert f"tasks 101–150 of {total}" in html or f"of {len(every)}" in html
    assert row_keys(html) == [(site.pk, r.task.id) for r in rows[100:150]]
    assert len(calls) <= 12
    assert not [c for c in calls if "limit_page_length=1000" in str(c.get("query"))]


def test_the_other_scopes_total_on_a_big_site_follows_the_definition(member, big, frozen_now):
    """A big site tells the scope not shown only as a total: every open task less those in no
    bucket (open, not marked late, no start, due later or undated), so it equals the sum of
    that scope's buckets by the one definition."""
    from portal.sites.buckets import bucket

    from .helpers import all_tasks

    handle, _ = big
    user = "sales1@bigsite.test"
    later = (frozen_now + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    handle.control.insert_tasks(
        [
            {"title": f"No start {i}", "status": "Todo", "priority": "Low", "start_date": None,
             "due_date": later if i % 2 else None, "assignees": [user]}
            for i in range(40)
        ]
    )  # fmt: skip
    unbucketed = [t for t in all_tasks(handle, "UTC") if t.is_open and not bucket(t, frozen_now)]
    assert len([t for t in unbucketed if t.is_assigned_to(user)]) >= 40

    def total(counts) -> int:
        return sum(counts.get(b, 0) for b in BUCKETS)

    expected = {
        "all": expected_buckets(handle, "UTC", frozen_now),
        "mine": expected_buckets(handle, "UTC", frozen_now, user=user),
    }
    inbox_for_user(user=member, scope="all", bucket_name="overdue")  # learns the site is big
    for scope in SCOPES:
        inbox = inbox_for_user(user=member, scope=scope, bucket_name="late")
        assert inbox.totals == {sc: total(expected[sc]) for sc in SCOPES}
        assert {b: inbox.counts[scope].of(b) for b in BUCKETS} == {
            b: expected[scope].get(b, 0) for b in BUCKETS
        }
        assert set(inbox.counts) == {scope}  # the other scope's buckets are not known


def test_a_search_on_a_big_site_counts_titles_and_descriptions_exactly(client, member, big):
    """Two disjoint reads (by title; by description, the title not matching): their counts add
    up to the true total, with no task counted twice."""
    from portal.tasks_ui.selectors.sizes import site_mark_big

    from .helpers import all_tasks, row_keys

    handle, site = big
    handle.control.insert_tasks([
        {"title": "Walrus feeding", "description": "<p>the walrus again</p>"},  # both: once
        {"title": "Zoo visit", "description": "<p>Ask about the WALRUS</p>"},
        {"title": "Zoo visit two", "description": "walrus keepers"},
        {"title": "Unrelated", "description": None},
    ])  # fmt: skip
    site_mark_big(site.pk)
    client.force_login(member)

    html = client.get("/tasks/", {"q": "walrus"}).content.decode()

    def mentions(task) -> bool:
        words = re.sub(r"<[^>]*>", " ", task.description or "")
        return "walrus" in task.title.casefold() or "walrus" in words.casefold()

    want = {(site.pk, t.id) for t in all_tasks(handle, "UTC") if mentions(t)}
    assert len(want) == 3
    assert set(row_keys(html)) == want
    assert re.search(r"\b3 tasks found", html)


@pytest.mark.parametrize(
    ("path", "key", "direction"),
    [
        ("/tasks/?bucket=overdue&page=2", "due", "desc"),
        ("/tasks/?bucket=upcoming", "start", "asc"),
        ("/?scope=all&bucket=overdue", "due", "asc"),
        ("/?scope=all&bucket=late", "start", "desc"),
    ],
)
def test_a_big_site_sorted_by_a_date_gives_the_true_first_rows(
    client, member, big, frozen_now, path, key, direction
):
    """The site is asked in that order (with the rows tied at the edge), so the page is the
    true page of the sorted bucket, and says nothing about rows shown only."""
    from portal.sites.backends.frappe import bucket
    from portal.tasks_ui.selectors.rows import Row
    from portal.tasks_ui.selectors.sizes import site_mark_big
    from portal.tasks_ui.selectors.sorting import Sort, rows_sorted

    from .helpers import all_tasks, row_keys

    handle, site = big
    site_mark_big(site.pk)
    client.force_login(member)
    wanted = path.split("bucket=")[1].split("&")[0]
    page = int(path.split("page=")[1]) if "page=" in path else 1
    mark = last_seq(handle)
    html = client.get(f"{path}&sort={key}&dir={direction}").content.decode()
    calls = requests_since(handle, mark)

    every = [t for t in all_tasks(handle, "UTC") if bucket(t, frozen_now) == wanted]
    rows = rows_sorted(
        (Row(site_id=site.pk, site_name=site.name, task=t, bucket=wanted, people=(),
             can_write=True) for t in every),
        Sort(key=key, direction=direction),
    )  # fmt: skip
    shown = rows[(page - 1) * 50 : page * 50]
    assert len(shown) == 50
    assert row_keys(html) == [(site.pk, r.task.id) for r in shown]
    assert 'class="sort-note"' not in html
    assert not [c for c in calls if "limit_page_length=1000" in str(c.get("query"))]
    column = {"due": "due_date", "start": "start_date"}[key]
    assert any(f"{column} {direction}" in unquote_plus(str(c.get("query"))) for c in calls)
    assert len(calls) <= 40


def test_rows_tied_on_the_date_at_the_page_edge_come_in_the_portals_order(
    client, member, big, frozen_now
):
    """70 tasks due at one instant, the earliest of the site: the first page sorted by due
    date holds 50 of them, the most urgent first, as the portal breaks ties."""
    from portal.tasks_ui.selectors.sizes import site_mark_big

    from .helpers import row_keys

    handle, site = big
    instant = (frozen_now - timedelta(days=4000)).strftime("%Y-%m-%d 09:00:00")
    priorities = ["Low", "Medium", "High"]
    made = handle.control.insert_tasks([
        {"title": f"Tied {i}", "status": "Todo", "priority": priorities[i % 3],
         "due_date": instant, "start_date": instant}
        for i in range(70)
    ])  # fmt: skip
    site_mark_big(site.pk)
    client.force_login(member)

    html = client.get("/?scope=all&bucket=overdue&sort=due&dir=asc").content.decode()

    rank = {"High": 0, "Medium": 1, "Low": 2}
    tied = sorted(range(70), key=lambda i: (rank[priorities[i % 3]], made[i]))
    assert row_keys(html) == [(site.pk, str(made[i])) for i in tied[:50]]
