"""The Django-CRM backend against the recordings of a real site (contract/djangocrm/)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.sites.backends.base import SiteSettings, TaskChanges, TaskQuery
from portal.sites.backends.djangocrm import auth
from portal.sites.backends.djangocrm.backend import DjangoCrmBackend
from portal.sites.backends.djangocrm.client import DjangoCrmClient, parse_task
from portal.sites.backends.errors import InputRefused, NoPermission, ReconnectNeeded
from portal.sites.backends.frappe.auth import MemoryTokenStore
from portal.sites.backends.types import Vocabulary
from portal.sites.buckets import bucket

from .recordings import ANY, BASE, RecordedSite, body_of, load

VOCABULARY = Vocabulary(("New", "In Progress", "Completed"), ("Low", "Medium", "High"), ())
USER_A = "user.a@lab.local"
USER_A_PROFILE = "91c5c9fb-7e8c-4638-803c-9b2712a32c40"
LIST = {"slim": "true", "limit": "100"}
ORG_A = "351e6260-ac64-4938-bb99-b4ebe2f96695"
RECORDED_NOW = 1796195900.0  # a minute after the recorded tokens were issued


def backend(site: RecordedSite, *, zone="UTC", credential=None) -> DjangoCrmBackend:
    settings = SiteSettings(name="Lab", base_url=BASE, time_zone=zone, vocabulary=VOCABULARY,
                            options={"organisation": ORG_A})  # fmt: skip
    return DjangoCrmBackend.open(
        settings, credential or auth.PatAuth("bcrm_pat_x"), http=site,
        clock=lambda: datetime(2026, 12, 2, 9, tzinfo=UTC),
    )  # fmt: skip


def test_paging_follows_the_next_offset_and_stops_on_null():
    first = {**body_of("072"), "offset": 2}
    last = {**body_of("073"), "offset": None}
    site = RecordedSite()
    site.expect("072", query=LIST, answer=first)
    site.expect("073", query={**LIST, "offset": "2"}, answer=last)
    tasks = backend(site).client.tasks()
    site.done()
    assert len(tasks) == 4 and len({t.id for t in tasks}) == 4


def test_an_empty_page_past_the_end_answers_offset_zero_and_ends_the_read():
    site = RecordedSite().expect("074", query={**LIST, "offset": "100"})
    client = backend(site).client
    assert client.page(offset=100)["offset"] == 0
    site.expect("072", query=LIST, answer={**body_of("072"), "offset": 2})
    site.expect("074", query={**LIST, "offset": "2"})
    assert len(client.tasks()) == 2  # offset 0 is not "more": no third request
    site.done()


def test_an_unknown_status_is_never_sent_because_it_would_filter_nothing():
    assert body_of("059")["tasks_count"] == 8  # "Open" came back with every row [059]
    site = RecordedSite().expect("054", query=LIST)
    found = backend(site).search_all(TaskQuery(statuses=("Open",)))
    site.done()
    assert "status" not in site.sent[0]["params"]
    assert found == []  # applied exactly here instead


def test_known_statuses_are_sent_repeated():
    site = RecordedSite().expect("058", query={**LIST, "status": ["New", "In Progress"]})
    found = backend(site).search_all(TaskQuery(statuses=("New", "In Progress")))
    site.done()
    assert found and {t.status for t in found} <= {"New", "In Progress"}


def test_assigned_to_is_sent_as_the_profile_id_of_the_person():
    site = RecordedSite()
    site.expect("054", query={**LIST, "limit": "1"})  # the users catalogue
    site.expect("063", query={**LIST, "assigned_to": USER_A_PROFILE})
    found = backend(site).search_all(TaskQuery(assigned_to=USER_A))
    site.done()
    assert found and all(t.is_assigned_to(USER_A) for t in found)


def test_due_dates_filter_with_gte_and_lte():
    query = {**LIST, "due_date__gte": "2026-11-15", "due_date__lte": "2026-12-10"}
    site = RecordedSite().expect("069", query=query)
    found = backend(site).search_all(
        TaskQuery(date_from=date(2026, 11, 15), date_to=date(2026, 12, 10))
    )
    site.done()
    assert len(found) == 3


def test_a_due_range_beside_a_date_range_sends_the_narrower_bound_of_each_side():
    query = {**LIST, "due_date__gte": "2026-11-15", "due_date__lte": "2026-12-10"}
    site = RecordedSite().expect("069", query=query)
    backend(site).search_all(
        TaskQuery(date_from=date(2026, 11, 1), date_to=date(2026, 12, 10),
                  due_from=date(2026, 11, 15), due_to=date(2026, 12, 31))
    )  # fmt: skip
    site.done()


def test_a_plain_due_date_is_overdue_only_once_its_day_is_over_in_the_organisations_zone():
    row = body_of("142")["task_obj"]  # due 2026-12-01 in an org on Los Angeles time [139-143]
    task = parse_task(row, zone=ZoneInfo("America/Los_Angeles"), site="Lab")
    assert task.due_is_day and task.start_date is None
    late_evening = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)  # 23:30 on the 1st in LA
    next_morning = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)  # 00:30 on the 2nd in LA
    assert bucket(task, late_evening) == "today"
    assert bucket(task, next_morning) == "overdue"


def test_create_finds_the_new_task_the_site_answers_without_an_id():
    created = body_of("083")["task_obj"]

    def marker_of(sent) -> str:
        return sent["params"]["search"]

    site = RecordedSite()
    site.expect("034", body=ANY)  # a 200 message, no id [034]
    rows = {**body_of("072"), "offset": None, "tasks": [created]}
    site.expect("054", query=ANY, answer=rows)  # the search for the marker
    site.expect("083", query={}, answer=lambda sent: {
        "task_obj": {**created, "description": f"\\n{searched[0]}"}})  # fmt: skip
    site.expect("090", body={"description": ""}, answer={"error": False})
    site.expect("083", query={}, answer={"task_obj": {**created, "description": ""}})
    searched: list[str] = []
    original = site.request

    def request(method, url, **kwargs):
        response = original(method, url, **kwargs)
        if kwargs.get("params") and "search" in kwargs["params"]:
            searched.append(marker_of(site.sent[-1]))
        return response

    site.request = request
    task = backend(site).create(
        TaskChanges(title="Call Ahmed about unit 12", status="New", priority="High")
    )
    site.done()
    posted = site.sent[0]["json"]
    assert posted["title"] == "Call Ahmed about unit 12" and searched[0] in posted["description"]
    assert task.id == created["id"] and task.description == ""


def test_an_unknown_assignee_is_refused_before_anything_is_sent():
    site = RecordedSite().expect("054", query={**LIST, "limit": "1"})
    with pytest.raises(InputRefused, match="nobody@lab.local"):
        backend(site).create(TaskChanges(title="x", assignees=("nobody@lab.local",)))
    site.done()
    assert [s["method"] for s in site.sent] == ["GET"]  # no POST: the site would save it [053]


def test_edits_are_patches_followed_by_a_read():
    ident = load("090")["request"]["path"].split("/")[3]
    site = RecordedSite()
    site.expect("090")
    site.expect("083", query={}, answer={"task_obj": {**body_of("083")["task_obj"], "id": ident,
                                                      "status": "Completed"}})  # fmt: skip
    task = backend(site).set_status(ident, "Completed")
    site.done()
    assert [s["method"] for s in site.sent] == ["PATCH", "GET"]
    assert task.status == "Completed" and task.portal_status == "done"


def test_organisation_context_required_means_reconnect_not_no_permission():
    site = RecordedSite().expect("001", query=LIST)
    with pytest.raises(ReconnectNeeded, match="Organization context"):
        backend(site).client.tasks()


def test_a_read_only_token_that_writes_is_refused_in_the_sites_words():
    site = RecordedSite().expect("078", body=ANY)
    with pytest.raises(NoPermission, match="not scoped for write access"):
        backend(site).client.create({"title": "RO PAT", "status": "New", "priority": "Low"})
    assert site.sent[0]["json"]["title"] == "RO PAT"


def test_a_second_delete_finds_nothing_and_counts_as_deleted():
    ident = load("127")["request"]["path"].split("/")[3]
    site = RecordedSite().expect("127").expect("128")
    b = backend(site)
    b.delete(ident)
    b.delete(ident)
    site.done()


def _jwt_store(expires_in: float) -> MemoryTokenStore:
    answer = body_of("020")
    token = auth.token_set(answer["access_token"], answer["refresh_token"])
    token["expires_at"] = RECORDED_NOW + expires_in
    return MemoryTokenStore(token)


def test_a_jwt_pair_is_refreshed_ahead_of_expiry_and_the_new_pair_stored():
    store = _jwt_store(expires_in=10)
    used = store.load()["refresh_token"]
    site = RecordedSite().expect("011", body={"refresh": used})
    bearer = auth.JwtBearer(
        store=store, base_url=BASE, http=site, site="Lab", now=lambda: RECORDED_NOW
    )
    header = bearer.headers()["Authorization"]
    site.done()
    assert header == f"Bearer {body_of('011')['access']}"
    assert store.load()["refresh_token"] == body_of("011")["refresh"]


def test_a_used_refresh_token_answers_401_and_the_person_must_reconnect():
    store = _jwt_store(expires_in=10)
    site = RecordedSite().expect("012", body={"refresh": store.load()["refresh_token"]})
    bearer = auth.JwtBearer(
        store=store, base_url=BASE, http=site, site="Lab", now=lambda: RECORDED_NOW
    )
    with pytest.raises(ReconnectNeeded):
        bearer.headers()


def test_refreshes_are_single_flight():
    store = _jwt_store(expires_in=10)
    site = RecordedSite().expect("011", body={"refresh": store.load()["refresh_token"]})
    lock = threading.Lock()
    original = site.request

    def slow(*args, **kwargs):
        with lock:
            time.sleep(0.05)
            return original(*args, **kwargs)

    site.request = slow
    headers = []

    def work():
        bearer = auth.JwtBearer(
            store=store, base_url=BASE, http=site, site="Lab", now=lambda: RECORDED_NOW
        )
        headers.append(bearer.headers()["Authorization"])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    site.done()
    assert len(site.sent) == 1 and len(set(headers)) == 1


def test_an_expired_access_token_is_refreshed_once_and_the_call_sent_again():
    store = _jwt_store(expires_in=3600)  # the portal believes it is fresh; the site does not
    site = RecordedSite()
    site.expect("134", query=LIST)
    site.expect("011", body={"refresh": store.load()["refresh_token"]})
    site.expect("076", query=LIST)
    bearer = auth.JwtBearer(
        store=store, base_url=BASE, http=site, site="Lab", now=lambda: RECORDED_NOW
    )
    tasks = DjangoCrmClient(BASE, bearer, time_zone="UTC", http=site).tasks()
    site.done()
    assert len(tasks) == body_of("076")["tasks_count"]


def test_the_overdue_scan_asks_for_open_tasks_due_before_today():
    query = {**LIST, "status": ["New", "In Progress"], "due_date__lte": "2026-12-01"}
    site = RecordedSite().expect("069", query=query)
    read = backend(site).overdue_and_late(now=datetime(2026, 12, 2, 9, tzinfo=UTC))
    site.done()
    assert read.found and all(kind == "overdue" for _, kind in read.found.values())


def test_the_overdue_scan_reads_the_days_due_soon_in_the_same_request():
    """With a rule reminding a day ahead, the one read asks up to the day that ends within it
    (a due day ends at midnight): no extra request for the tasks due soon."""
    from datetime import timedelta

    query = {**LIST, "status": ["New", "In Progress"], "due_date__lte": "2026-12-02"}
    site = RecordedSite().expect("069", query=query)
    read = backend(site).overdue_and_late(
        now=datetime(2026, 12, 2, 9, tzinfo=UTC), due_within=timedelta(days=1)
    )
    site.done()
    kinds = {task.title: kind for task, kind in read.found.values()}
    assert kinds.pop("Due today item") == "soon"  # due at the end of today: within the day
    assert kinds and set(kinds.values()) == {"overdue"}
