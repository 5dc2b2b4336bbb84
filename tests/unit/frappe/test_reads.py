"""Every read the client makes, replayed from the recordings (one scenario per test)."""

from __future__ import annotations

import json
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from portal.sites.backends.frappe import ApiKeyAuth, FrappeClient, InputRefused, MethodMissing, Task

from .conftest import KEY, SECRET
from .recordings import BASE, answer, body_of, fake_http

HOME_TASKS = "/api/method/crm.api.mobile_api.home_tasks"

UTC = ZoneInfo("UTC")
TOKYO = ZoneInfo("Asia/Tokyo")


def ids(tasks: list[Task] | tuple[Task, ...]) -> list[str]:
    return [t.id for t in tasks]


def raw_ids(rows: list[dict]) -> list[str]:
    return [str(r["name"]) for r in rows]


def query_of(request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}


def filters_of(request) -> list:
    return json.loads(query_of(request)["filters"])


# -- home_tasks ---------------------------------------------------------------------------------


def test_home_tasks_returns_the_today_list_in_site_order(site, client):
    site.expect("024")
    assert ids(client.home_tasks()) == raw_ids(body_of("024")["message"]["today"])


def test_home_tasks_sends_the_limit(site, client):
    site.expect("233")
    assert len(client.home_tasks(limit=20)) == len(body_of("233")["message"]["today"])


def test_home_tasks_datetimes_are_aware_in_the_site_zone(site, tokyo):
    site.expect("240")
    first = tokyo.home_tasks(limit=50)[0]
    raw = body_of("240")["message"]["today"][0]
    assert first.start_date == datetime.fromisoformat(raw["start_date"]).replace(tzinfo=TOKYO)
    assert first.due_date.utcoffset().total_seconds() == 9 * 3600


def test_home_tasks_assignees_from_mobile_api_have_email_and_full_name(site, client):
    site.expect("024")
    task = next(t for t in client.home_tasks() if t.assignees)
    assert task.assignees[0].email == "admin@example.com"
    assert task.assignees[0].full_name == "Administrator"
    assert task.assignees[0].user_id is None  # mobile_api gives no user id [012]


def test_a_token_in_the_authorization_header_is_sent(site, client):
    site.expect("181")
    client.home_tasks()
    assert site.sent[0].headers["Authorization"] == "token 728b9c7ca3432a7:37ed6834dee49e7"


def test_the_user_agent_is_sent(site, client):
    site.expect("024")
    client.home_tasks()
    assert site.sent[0].headers["User-Agent"] == client.http.user_agent


# -- filter_tasks -------------------------------------------------------------------------------


def test_filter_tasks_page_reads_the_double_envelope(site, client):
    site.expect("026")
    page = client.filter_tasks_page()
    inner = body_of("026")["message"]["message"]
    assert (ids(page.tasks), page.total, page.has_next) == (
        raw_ids(inner["data"]),
        inner["total"],
        inner["has_next"],
    )


def test_filter_tasks_learns_the_deployed_flavour_from_the_envelope(site, client):
    client.flavour = None
    site.expect("026")
    client.filter_tasks_page()
    assert client.flavour == "deployed"


def test_filter_tasks_sends_priorities_and_statuses_as_comma_lists(site, client):
    site.expect("027")
    page = client.filter_tasks_page(priorities=["High", "Medium"], statuses=["Todo", "In Progress"])
    assert ids(page.tasks) == raw_ids(body_of("027")["message"]["message"]["data"])


def test_filter_tasks_pages_by_page_number(site, client):
    site.expect("206")
    page = client.filter_tasks_page(page=2, page_size=5)
    assert page.page == 2 and page.has_next is body_of("206")["message"]["message"]["has_next"]


def test_filter_tasks_also_sends_the_documented_offset(site, client):
    site.expect("206", check=lambda r: query_of(r)["offset"] == "5")
    client.filter_tasks_page(page=2, page_size=5)


def test_filter_tasks_includes_the_undocumented_late_status(site, client):
    site.expect("208")
    tasks = client.filter_tasks(statuses=["late", "Todo", "Backlog", "In Progress"], page_size=100)
    assert "late" in {t.status for t in tasks}


def test_filter_tasks_open_portal_statuses_map_through_the_vocabulary(site, client):
    site.expect("200").expect("231")
    tasks = client.filter_tasks(portal_statuses=["open", "in_progress"], page_size=100)
    assert ids(tasks) == raw_ids(body_of("231")["message"]["message"]["data"])


def test_filter_tasks_with_an_unknown_status_is_empty_not_an_error(site, client):
    site.expect("029")
    assert client.filter_tasks(statuses=["Open"]) == []


def test_filter_tasks_with_an_unknown_priority_is_empty_not_an_error(site, client):
    site.expect("030")
    assert client.filter_tasks(priorities=["Urgent"]) == []


def test_filter_tasks_counts_the_last_day_whole(site, client):
    # The site compares start_date <= 'D' (midnight) [234]: the client asks for D+1.
    site.expect(
        "234", relax=("date_to", "limit"), check=lambda r: query_of(r)["date_to"] == "2026-11-23"
    )
    client.filter_tasks(date_from=date(2026, 11, 20), date_to=date(2026, 11, 22))


def test_filter_tasks_drops_tasks_starting_at_midnight_after_the_last_day(site, client):
    site.expect("054", relax=("status",))
    tasks = client.filter_tasks(date_to=date(2026, 11, 22), statuses=["late"])
    assert all(t.start_date < datetime(2026, 11, 23, tzinfo=UTC) for t in tasks)


def test_filter_tasks_follows_has_next_to_the_last_page(site, client):
    site.expect("028", relax=("page", "date_to"))  # has_next: true
    site.expect("054", relax=("status",))  # has_next: false
    tasks = client.filter_tasks(date_from="2026-11-22", date_to="2026-11-23", page_size=2)
    assert [query_of(r)["page"] for r in site.sent] == ["1", "2"]
    assert len(tasks) == len(set(ids(tasks)))


def test_filter_tasks_stops_on_a_page_that_brings_nothing_new(site, client):
    site.expect("028", relax=("page", "date_to", "date_from"))
    site.expect("028", relax=("page", "date_to", "date_from"))  # a site ignoring the page
    client.filter_tasks(page_size=2)
    assert len(site.sent) == 2


def test_filter_tasks_refuses_an_order_that_makes_the_site_fail(client):
    with pytest.raises(InputRefused):  # 031: an unknown column is a 500
        client.filter_tasks(order_by="nonexistent_col desc")


def test_filter_tasks_refuses_a_malformed_date(client):
    with pytest.raises(InputRefused):
        client.filter_tasks(date_from="23/11/2026")


# -- main_page_buckets --------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["032", "052", "230"])
def test_main_page_buckets_keeps_the_three_lists(site, client, number):
    site.expect(number, relax=("min_each",))
    buckets = client.main_page_buckets(min_each=50)
    raw = body_of(number)["message"]
    assert [ids(buckets.today), ids(buckets.late), ids(buckets.upcoming)] == [
        raw_ids(raw["today"]),
        raw_ids(raw["late"]),
        raw_ids(raw["upcoming"]),
    ]


def test_main_page_buckets_sends_min_each(site, client):
    site.expect("033")
    assert client.main_page_buckets(min_each=1).min_each == 1


def test_main_page_buckets_in_tokyo(site, tokyo):
    site.expect("241")
    today = tokyo.main_page_buckets(min_each=20).today
    assert {t.start_date.date() for t in today} == {date(2026, 11, 24)}


# -- the generic REST ---------------------------------------------------------------------------


def test_get_task_reads_one_document(site, client):
    site.expect("237")
    task = client.get_task(21)
    assert (task.id, task.title, task.task_type) == ("21", "Assigned to admin", "lead meeting")


def test_get_task_assignee_is_a_user_id_not_an_email(site, client):
    site.expect("237")
    assert client.get_task(21).assignees[0].user_id == "Administrator"


def test_get_task_after_reassignment_names_the_new_user(site, client):
    site.expect("249")
    assert client.get_task(1051).is_assigned_to("manager1@lab.local")


def test_get_task_without_assignee(site, client):
    site.expect("252")
    assert client.get_task(1051).assignees == ()


def test_get_task_keeps_other_fields_in_extra(site, client):
    site.expect("053")
    assert client.get_task(19).extra["reference_doctype"] == "CRM Lead"


def test_tasks_assigned_to_filters_on_assign(site, client):
    site.expect("236", relax=("fields", "limit_page_length"))
    tasks = client.tasks_assigned_to("sales1@lab.local")
    assert ids(tasks) == raw_ids(body_of("236")["data"])
    assert filters_of(site.sent[0]) == [["_assign", "like", "%sales1@lab.local%"]]


def test_tasks_assigned_to_keeps_exact_members_only(site, client):
    site.expect("236", relax=("fields", "limit_page_length", "filters"))
    assert client.tasks_assigned_to("sales1@lab.loc") == []  # "like" matched a longer id


def test_overdue_scan_sends_the_complete_query(site, client):
    site.expect("232", relax=("fields", "filters", "limit_page_length", "order_by"))
    site.expect("202", relax=("fields", "filters", "limit_page_length", "order_by"))
    client.overdue_scan(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    due, _ = filters_of(site.sent[0]), filters_of(site.sent[1])
    assert due[:2] == [["due_date", "is", "set"], ["due_date", "<", "2026-11-23 18:00:00"]]
    assert {"Done", "Canceled"} <= set(due[2][2]) and due[2][1] == "not in"


def test_overdue_scan_also_asks_for_late_tasks_without_a_due_date(site, client):
    site.expect("232", relax=("fields", "filters", "limit_page_length", "order_by"))
    site.expect("202", relax=("fields", "filters", "limit_page_length", "order_by"))
    client.overdue_scan(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    assert filters_of(site.sent[1]) == [["status", "=", "late"], ["due_date", "is", "not set"]]


def test_overdue_scan_returns_the_overdue_tasks(site, client):
    site.expect("232", relax=("fields", "filters", "limit_page_length", "order_by"))
    site.expect("202", relax=("fields", "filters", "limit_page_length", "order_by"))
    found = client.overdue_scan(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    assert ids(found) == raw_ids(body_of("232")["data"])


def test_overdue_scan_compares_with_now_in_the_site_zone(site, tokyo):
    # 17:22 UTC is 02:22 on the 24th in Tokyo [244]
    site.expect("244", relax=("fields", "filters", "limit_page_length", "order_by"))
    site.expect("202", relax=("fields", "filters", "limit_page_length", "order_by"))
    tokyo.overdue_scan(datetime(2026, 11, 23, 17, 22, tzinfo=UTC))
    assert filters_of(site.sent[0])[1] == ["due_date", "<", "2026-11-24 02:22:00"]


def test_overdue_scan_uses_large_pages_in_id_order(site, client):
    site.expect("232", relax=("fields", "filters", "limit_page_length", "order_by"))
    site.expect("202", relax=("fields", "filters", "limit_page_length", "order_by"))
    client.overdue_scan(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    assert query_of(site.sent[0])["limit_page_length"] == "500"
    assert query_of(site.sent[0])["order_by"] == "name asc"


def test_list_tasks_pages_with_limit_start(site, client):
    site.expect("203", relax=("fields",))
    tasks = client.list_tasks(start=5, page_length=5)
    assert ids(tasks) == raw_ids(body_of("203")["data"])


def test_list_tasks_with_few_fields(site, client):
    site.expect("068", relax=("fields", "order_by"))
    assert ids(client.list_tasks(page_length=100)) == raw_ids(body_of("068")["data"])


def test_list_tasks_refuses_an_unknown_operator(client):
    with pytest.raises(InputRefused):
        client.list_tasks(filters=[["status", "; drop", "x"]])


def test_count(site, client):
    site.expect("204")
    assert client.count() == body_of("204")["message"]


def test_meta_gives_the_vocabulary(site, client):
    site.expect("200")
    vocabulary = client.meta()
    assert vocabulary.statuses == ("Todo", "Backlog", "In Progress", "Done", "Canceled", "late")
    assert vocabulary.priorities == ("Low", "Medium", "High")
    assert "property showing" in vocabulary.task_types


@pytest.mark.parametrize("number", ["006", "060", "180", "189", "238"])
def test_logged_user(site, client, number):
    site.expect(number, relax=("Authorization",))
    assert client.logged_user() == body_of(number)["message"]


def test_a_client_without_flavour_falls_back_to_the_generic_api_on_a_plain_site(site):
    plain = FrappeClient(
        BASE,
        ApiKeyAuth(KEY, SECRET),
        time_zone="UTC",
        http=fake_http(site),
        clock=lambda: datetime(2026, 11, 23, 17, 20, tzinfo=UTC),
    )
    # A plain site answers mobile_api calls like a missing method [245]...
    site.expect_request("GET", HOME_TASKS, query={"limit": "5"}, answer=answer(417, body_of("245")))
    # ...and the same read is made through /api/resource [203].
    site.expect("203", relax=("fields", "filters", "limit_page_length", "order_by", "limit_start"))
    tasks = plain.home_tasks()
    assert plain.flavour == "plain" and ids(tasks) == raw_ids(body_of("203")["data"])
    assert filters_of(site.sent[1]) == [
        ["start_date", ">=", "2026-11-23 00:00:00"],
        ["start_date", "<", "2026-11-24 00:00:00"],
    ]


def test_a_missing_method_on_a_site_known_to_have_mobile_api_is_reported(site, client):
    site.expect_request("GET", HOME_TASKS, query={"limit": "5"}, answer=answer(417, body_of("246")))
    with pytest.raises(MethodMissing):
        client.home_tasks()


# -- the documented flavour (seeds/000): no recording exists; answers follow the reference ------

DOCUMENTED_PAGE = {
    "message": {
        "data": [
            {"name": 125, "title": "Prepare quarterly report", "status": "Open",
             "priority": "High", "start_date": "2025-12-05",
             "modified": "2025-12-03 10:00:00.123456",
             "due_date": "2025-12-10 18:00:00", "assigned_to": "manager@trust.com"},
            {"name": 126, "title": "Schedule team meeting", "status": "In Progress",
             "priority": "Medium", "start_date": "2025-12-04",
             "modified": "2025-12-03 11:30:00.654321"},
        ]
    }
}  # fmt: skip


def test_documented_envelope_and_offset_paging(site, client):
    client.flavour = None
    site.expect_request(
        "GET",
        "/api/method/crm.api.mobile_api.filter_tasks",
        query={"limit": "2", "page": "2", "offset": "2"},
        answer=answer(200, DOCUMENTED_PAGE),
    )
    page = client.filter_tasks_page(page=2, page_size=2)
    assert client.flavour == "documented" and page.total is None and page.has_next is True
    assert page.tasks[0].assignees[0].user_id == "manager@trust.com"
    assert page.tasks[0].portal_status == "open" and page.tasks[1].portal_status == "in_progress"


def _site_filter_keeps(row: dict, filters: list) -> bool:
    """How the site applies the triples the late-bucket read sends (``<`` on text datetimes,
    ``in``), evaluated on a recorded row."""
    for field, op, value in filters:
        have = row.get(field)
        if op == "<" and not (have is not None and have < value):
            return False
        if op == "in" and have not in value:
            return False
    return True


def test_the_generic_late_bucket_selects_what_the_sites_own_late_bucket_holds(site, client):
    """Against the recordings: the filters ``late_bucket_scan`` sends, applied to every open
    task the site had [231], select exactly the late bucket main_page_buckets gave a moment
    earlier [230] (overdue tasks, switched to `late`, stay out of it)."""
    site.expect("232", relax=("fields", "filters", "limit_page_length", "order_by"))
    client.late_bucket_scan(datetime(2026, 11, 23, 17, 9, 43, tzinfo=UTC))
    sent = filters_of(site.sent[0])
    assert sent[0] == ["start_date", "<", "2026-11-23 00:00:00"]
    open_rows = body_of("231")["message"]["message"]["data"]  # the double envelope
    selected = {row["name"] for row in open_rows if _site_filter_keeps(row, sent)}
    assert selected == {t["name"] for t in body_of("230")["message"]["late"]} == {40, 41}
