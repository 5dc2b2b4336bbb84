"""Every filter goes as bracket parameters: a ``where`` sent as one JSON string is dropped in
silence and the whole list comes back [095]."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from portal.http import HttpResponse
from portal.sites.backends.base import TaskQuery
from portal.sites.backends.espocrm import where as w
from portal.sites.backends.espocrm.client import PAGE

from .conftest import ASMITH, RECORDED_NOW, open_backend
from .recordings import body_of, load, pairs

BRACKET_KEY = re.compile(r"^where(\[\d+\](\[value\])?)+\[(type|attribute|value)\](\[\])?$")
UNFILTERED = body_of("072")["total"]  # every task of the site then: 14


class Capture:
    """Answers every list with nothing and keeps what was asked."""

    def __init__(self) -> None:
        self.params: list[list[tuple[str, str]]] = []

    def request(self, method, url, *, params=None, json=None, data=None, headers=None, site=None):
        self.params.append(list(params or []))
        return HttpResponse(200, {}, b'{"total": 0, "list": []}', url)


def _every_read(backend) -> None:
    now = datetime(2026, 12, 2, 9, tzinfo=UTC)
    backend.open_page(finished=backend.finished_statuses())
    backend.finished_today(now=now, finished=backend.finished_statuses())
    backend.overdue_and_late(now=now)
    backend.open_tasks()
    backend.finished_since(now)
    backend.search_all(
        TaskQuery(
            ids=("6b0fc574c4c300202",),
            statuses=("Started", "Not Started"),
            not_statuses=("Deferred",),
            priorities=("Urgent",),
            assigned_to=ASMITH,
            title_contains="follow",
            date_from=date(2026, 12, 1),
            date_to=date(2026, 12, 9),
        )
    )


def test_every_filter_the_backend_sends_is_in_bracket_form():
    capture = Capture()
    _every_read(open_backend(capture))
    assert capture.params
    for params in capture.params:
        keys = [k for k, _ in params]
        assert "where" not in keys and "searchParams" not in keys
        filters = [(k, v) for k, v in params if k.startswith("where")]
        assert filters, params  # each read is filtered by the site
        for key, value in filters:
            assert BRACKET_KEY.match(key), key
            assert not value.startswith(("[", "{")), (key, value)  # no JSON inside either
        assert dict(params)["maxSize"] == str(PAGE) and PAGE <= 200  # 201 is a 403 [077]


def test_a_where_sent_as_a_json_string_is_ignored_by_the_site():
    request = load("095")["request"]
    assert "Started" in request["query"]["where"]  # asked for Started only...
    assert body_of("095")["total"] == UNFILTERED  # ...and got every task back


def test_statuses_in_brackets_filter_as_recorded(site):
    site.expect("082", query=[*load("082")["request"]["query"][:-1], ["maxSize", "200"]])
    found = open_backend(site).search_all(TaskQuery(statuses=("Started", "Deferred")))
    assert {t.status for t in found} == {"Started", "Deferred"}
    assert len(found) == body_of("082")["total"] < UNFILTERED


def test_priorities_in_brackets_filter_as_recorded_urgent_included(site):
    site.expect("083", query=[*load("083")["request"]["query"][:-1], ["maxSize", "200"]])
    found = open_backend(site).search_all(TaskQuery(priorities=("High", "Urgent")))
    assert {t.priority for t in found} == {"High", "Urgent"} and len(found) < UNFILTERED


def test_the_assignee_filters_as_recorded(site):
    query = {k: v for k, v in load("090")["request"]["query"].items() if k != "select"}
    site.expect("090", query={**query, "maxSize": "200"})
    found = open_backend(site).search_all(TaskQuery(assigned_to=ASMITH))
    assert [t.title for t in found] == ["Anna's private task"]


def test_the_overdue_items_are_the_recorded_combined_filter():
    recorded = load("085")["request"]["query"]
    items = [
        w.before("dateEnd", "2026-12-02 07:15:45"),
        w.not_in("status", ["Completed", "Canceled", "Deferred"]),
    ]
    assert pairs(w.where_params(items)) == pairs([p for p in recorded if p[0] != "select"])
    assert body_of("085")["total"] == 2 < body_of("084")["total"]  # the status part filters


def test_nested_or_items_number_their_values_as_recorded():
    recorded = [p for p in load("094")["request"]["query"] if p[0] != "select"]
    item = w.any_of(w.equals("priority", "Urgent"), w.equals("status", "Deferred"))
    assert pairs(w.where_params([item])) == pairs(recorded)
    assert body_of("094")["total"] == 2


def test_the_overdue_scan_is_filtered_by_the_site_and_bucketed_here(site):
    open_statuses = [("where[0][value][]", s) for s in ("Not Started", "Started")]
    query = [
        ("where[0][type]", "in"),
        ("where[0][attribute]", "status"),
        *open_statuses,
        ("where[1][type]", "or"),
        ("where[1][value][0][type]", "before"),
        ("where[1][value][0][attribute]", "dateEnd"),
        ("where[1][value][0][value]", "2026-12-02 07:15:45"),
        ("where[1][value][1][type]", "before"),
        ("where[1][value][1][attribute]", "dateStart"),
        ("where[1][value][1][value]", "2026-12-02 00:00:00"),
        ("maxSize", "200"),
    ]
    site.expect("085", query=query)  # answered as the recorded overdue filter was
    read = open_backend(site).overdue_and_late(now=RECORDED_NOW)
    assert {task.title: kind for task, kind in read.found.values()} == {
        "Overdue all-day": "overdue",
        "Overdue follow-up": "overdue",
    }


def test_a_status_the_site_does_not_have_is_never_sent(site):
    assert open_backend(site).search_all(TaskQuery(statuses=("Todo",))) == []
    assert site.sent == []  # it would be a 400 [053]; nothing can match anyway


def test_the_title_search_asks_with_wildcards_since_plain_text_only_matches_the_start(site):
    assert body_of("091")["total"] == 0  # "Acme" finds nothing: names start otherwise [091]
    site.expect("092", query={"textFilter": "*follow*", "maxSize": "200"})
    found = open_backend(site).search_all(TaskQuery(title_contains="follow"))
    assert sorted(t.title for t in found) == ["Follow up with Acme", "Overdue follow-up"]


def test_the_overdue_scan_moves_its_end_bound_for_the_tasks_due_soon(site):
    """Reminders before the due time cost no request: the same filter, ``dateEnd`` before now
    plus the largest lead."""
    from datetime import timedelta

    open_statuses = [("where[0][value][]", s) for s in ("Not Started", "Started")]
    query = [
        ("where[0][type]", "in"),
        ("where[0][attribute]", "status"),
        *open_statuses,
        ("where[1][type]", "or"),
        ("where[1][value][0][type]", "before"),
        ("where[1][value][0][attribute]", "dateEnd"),
        ("where[1][value][0][value]", "2026-12-02 09:15:45"),
        ("where[1][value][1][type]", "before"),
        ("where[1][value][1][attribute]", "dateStart"),
        ("where[1][value][1][value]", "2026-12-02 00:00:00"),
        ("maxSize", "200"),
    ]
    site.expect("085", query=query)
    read = open_backend(site).overdue_and_late(now=RECORDED_NOW, due_within=timedelta(hours=2))
    assert {kind for _, kind in read.found.values()} == {"overdue"}
