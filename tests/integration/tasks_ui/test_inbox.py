"""The inbox across the three stand-in flavours: complete buckets by the one definition, "mine"
by the connection's site user id, the portal's order, few requests, a cache writes clear."""

from datetime import timedelta

import pytest

from portal.sites.backends.frappe import bucket
from portal.tasks_ui.selectors.rows import PRIORITY_RANK

from .conftest import ZONES
from .helpers import (
    all_tasks,
    expected_buckets,
    last_seq,
    page_counts,
    requests_since,
    row_keys,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _sum(counters):
    total = {}
    for counter in counters:
        for key, value in counter.items():
            total[key] = total.get(key, 0) + value
    return total


def _open_counts(expected):
    return {b: expected.get(b, 0) for b in ("overdue", "late", "today", "upcoming")}


def test_counts_of_everything_match_the_one_definition_on_every_flavour(
    client, member, three_sites, standin, frozen_now
):
    client.force_login(member)
    html = client.get("/?scope=all&bucket=overdue").content.decode()
    expected = _sum(
        expected_buckets(standin.sites[name], ZONES[name], frozen_now) for name in three_sites
    )
    assert page_counts(html) == _open_counts(expected)
    assert expected["overdue"] and expected["upcoming"]  # the seeds give every bucket work
    today = client.get("/?scope=all&bucket=today").content.decode()
    assert expected["today_finished"] and f"+ {expected['today_finished']} finished" in today


def test_assigned_to_me_counts_the_connection_users_tasks_only(
    client, member, three_sites, standin, frozen_now
):
    client.force_login(member)
    html = client.get("/?scope=mine&bucket=late").content.decode()
    expected = _sum(
        expected_buckets(standin.sites[n], ZONES[n], frozen_now, user=f"sales1@{n}.test")
        for n in three_sites
    )
    assert page_counts(html) == _open_counts(expected)
    for site_id, task_id in row_keys(html):
        name = next(n for n, s in three_sites.items() if s.pk == site_id)
        row = standin.sites[name].control.task(task_id)
        assert f"sales1@{name}.test" in row["assignees"]


def test_every_row_of_a_bucket_is_shown_across_pages_in_priority_then_due_order(
    client, member, three_sites, standin, frozen_now, settings
):
    settings.INBOX_PAGE_SIZE = 7
    client.force_login(member)
    shown = []
    page = 1
    while True:
        html = client.get(f"/?scope=all&bucket=upcoming&page={page}").content.decode()
        keys = row_keys(html)
        shown += keys
        if 'rel="next"' not in html:
            break
        page += 1
    by_id = {s.pk: n for n, s in three_sites.items()}
    tasks = {
        (three_sites[n].pk, t.id): t
        for n in three_sites
        for t in all_tasks(standin.sites[n], ZONES[n])
        if bucket(t, frozen_now) == "upcoming"
    }
    assert len(shown) == len(set(shown)) == len(tasks) > 7
    assert set(shown) == set(tasks)
    order = [
        (PRIORITY_RANK.get(tasks[k].priority.lower(), 3), tasks[k].due_date is None) for k in shown
    ]
    assert order == sorted(order)
    assert {by_id[s] for s, _ in shown} == set(three_sites)  # rows of every site, merged


def _insert_overdue(handle, frozen_now, count, *, priority="Low", start_at=0):
    yesterday = (frozen_now + timedelta(hours=3) - timedelta(days=1)).strftime("%Y-%m-%d")
    handle.control.insert_tasks(
        [
            {"title": f"Old call {start_at + i}", "status": "Todo", "priority": priority,
             "start_date": f"{yesterday} 09:00:00", "due_date": f"{yesterday} 10:{i % 60:02d}:00"}
            for i in range(count)
        ]
    )  # fmt: skip


def _shown_order_is_the_true_first_page(html, three_sites, standin, frozen_now, size):
    """The page's rows are exactly the first ``size`` of the bucket across sites in the one
    order (computed here from every task of every site)."""
    from portal.tasks_ui.selectors.rows import Row, row_order

    rows = [
        Row(site_id=three_sites[n].pk, site_name=three_sites[n].name, task=t, bucket="overdue",
            people=(), can_write=True)
        for n in three_sites
        for t in all_tasks(standin.sites[n], ZONES[n])
        if bucket(t, frozen_now) == "overdue"
    ]  # fmt: skip
    rows.sort(key=row_order)
    return row_keys(html) == [(r.site_id, r.task.id) for r in rows[:size]]


def test_a_big_site_costs_the_same_requests_whatever_its_size_and_stays_exact(
    client, member, three_sites, standin, frozen_now, settings
):
    """Past one page of open tasks a site is asked for counts and for the rows a page shows:
    1,500 or 3,000 more tasks make the same number of requests, counts equal the definition and
    the first page is the true first page across sites."""
    settings.INBOX_PAGE_SIZE = 20
    handle = standin.sites["riyadh"]
    _insert_overdue(handle, frozen_now, 1500)
    _insert_overdue(handle, frozen_now, 30, priority="High", start_at=5000)
    client.force_login(member)
    client.get("/?scope=all&bucket=overdue")  # learns the site is big (one wasted page)

    def load():
        mark = last_seq(handle)
        html = client.get("/?scope=all&bucket=overdue").content.decode()
        expected = _sum(
            expected_buckets(standin.sites[name], ZONES[name], frozen_now) for name in three_sites
        )
        assert page_counts(html) == _open_counts(expected)
        assert _shown_order_is_the_true_first_page(html, three_sites, standin, frozen_now, 20)
        calls = requests_since(handle, mark)
        assert not any("main_page_buckets" in c["path"] for c in calls)
        assert not any("limit_page_length=1000" in str(c.get("query")) for c in calls)
        return len(calls), expected["overdue"]

    from portal.sites.services.cache import site_cache_bump

    site_cache_bump(three_sites["riyadh"].pk)
    smaller, overdue = load()
    _insert_overdue(handle, frozen_now, 1500, start_at=2000)
    site_cache_bump(three_sites["riyadh"].pk)
    bigger, more_overdue = load()
    assert more_overdue == overdue + 1500 > 3000
    assert bigger == smaller


def test_today_shows_open_tasks_first_and_finished_ones_apart(
    client, member, three_sites, standin, frozen_now
):
    handle = standin.sites["plainsite"]
    today = frozen_now.strftime("%Y-%m-%d")
    done_id, open_id = handle.control.insert_tasks(
        [
            {"title": "Finished this morning", "status": "Done", "start_date": f"{today} 00:00:01",
             "assignees": ["sales1@plainsite.test"]},
            {"title": "Still to do today", "status": "Todo", "start_date": f"{today} 00:00:02",
             "assignees": ["sales1@plainsite.test"]},
        ]
    )  # fmt: skip
    client.force_login(member)
    html = client.get("/?scope=mine&bucket=today").content.decode()
    site_id = three_sites["plainsite"].pk
    open_part, _, finished_part = html.partition("Finished today")
    assert (site_id, str(open_id)) in row_keys(open_part)
    assert (site_id, str(done_id)) in row_keys(finished_part)
    assert (site_id, done_id) not in row_keys(open_part)


def test_repeated_reads_come_from_the_cache_and_a_write_clears_it(
    client, member, three_sites, standin, settings
):
    settings.SITE_CACHE_SECONDS = 60
    handle = standin.sites["riyadh"]
    client.force_login(member)
    client.get("/?scope=all&bucket=late")
    mark = last_seq(handle)
    client.get("/?scope=all&bucket=upcoming")
    client.get("/?scope=mine&bucket=overdue")  # (Today adds its finished tasks: a read of its own)
    assert requests_since(handle, mark) == []
    site = three_sites["riyadh"]
    task_id = next(t.id for t in all_tasks(handle, ZONES["riyadh"]) if t.is_open)
    response = client.post(f"/tasks/{site.pk}/{task_id}/status/", {"status": "done"})
    assert response.status_code == 302
    mark = last_seq(handle)
    client.get("/?scope=all&bucket=late")
    assert requests_since(handle, mark)  # read again after the portal's own write


def test_an_htmx_tab_switch_renders_only_the_inbox_body(client, member, three_sites):
    client.force_login(member)
    response = client.get(
        "/?scope=all&bucket=late", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-body"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="inbox-body">')
    assert "<html" not in html and "data-refocus" in html
    assert response["Vary"].count("HX-Request") == 1
    counts = client.get(
        "/?scope=all&bucket=late&part=counts", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="counts"
    ).content.decode()
    assert counts.lstrip().startswith('<div id="counts"')
    assert "Assigned to me" in counts  # the scope totals refresh with the bucket counts


def test_a_user_with_no_sites_gets_a_clear_empty_state(client, member):
    client.force_login(member)
    html = client.get("/").content.decode()
    assert "No site is shared with you yet" in html


def test_sites_without_a_usable_connection_show_a_card_and_the_rest_render(
    client, member, portal_site, grant, site_login, frozen_now
):
    riyadh = portal_site("riyadh", time_zone="Asia/Riyadh")
    cairo = portal_site("cairo", time_zone="Africa/Cairo")
    plain = portal_site("plainsite")
    grant(member, riyadh, cairo, plain)
    site_login(member, riyadh)
    connection = site_login(member, plain)
    connection.status = "reconnect"
    connection.save()
    client.force_login(member)
    html = client.get("/?scope=all").content.decode()
    assert 'class="card not_connected" data-site="Cairo"' in html
    assert f"/sites/{cairo.pk}/connect/" in html
    assert 'class="card reconnect" data-site="Plainsite"' in html
    assert any(site_id == riyadh.pk for site_id, _ in row_keys(html))
