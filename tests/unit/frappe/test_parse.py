"""Turning site JSON into tasks: ids, datetimes, assignees, bounds."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.sites.backends.frappe import InputRefused, UnexpectedAnswer
from portal.sites.backends.frappe.client.parse import (
    filter_envelope,
    parse_datetime,
    parse_task,
    site_datetime,
)
from portal.sites.backends.frappe.models import MAX_DESCRIPTION, MAX_TITLE

from .recordings import body_of

UTC = ZoneInfo("UTC")
TOKYO = ZoneInfo("Asia/Tokyo")


def test_an_integer_id_given_as_a_string():
    assert parse_task({"name": "42"}, zone=UTC, site=None).id == "42"


def test_a_task_without_an_id_is_an_unexpected_answer():
    with pytest.raises(UnexpectedAnswer):
        parse_task({"title": "x"}, zone=UTC, site=None)


def test_missing_title_and_due_date_are_empty_not_errors():
    task = parse_task(body_of("009")["message"], zone=UTC, site=None)  # nulls are omitted
    assert (task.title, task.due_date) == ("", None)


def test_modified_keeps_microseconds():
    assert parse_datetime("2026-11-23 17:03:27.476849", UTC).microsecond == 476849


def test_a_date_only_start_is_midnight_in_the_site_zone():
    assert parse_datetime("2026-11-24", TOKYO) == datetime(2026, 11, 24, tzinfo=TOKYO)


def test_a_garbled_date_from_the_site_is_none():
    assert parse_datetime("soon", UTC) is None


def test_aware_datetimes_are_sent_as_site_local_strings():
    value = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert site_datetime(value, TOKYO, field="due_date") == "2026-11-24 02:00:00"


def test_dates_are_sent_as_dates():
    assert site_datetime(date(2026, 11, 24), TOKYO, field="start_date") == "2026-11-24"


@pytest.mark.parametrize("bad", ["not-a-date", "2026-13-01", "2026-11-31 10:00", "24/11/2026", 5])
def test_malformed_dates_are_refused(bad):
    with pytest.raises(InputRefused):
        site_datetime(bad, UTC, field="start_date")


def test_assign_json_gives_user_ids():
    task = parse_task(body_of("236")["data"][0], zone=UTC, site=None)
    assert [(a.user_id, a.email) for a in task.assignees] == [
        ("sales1@lab.local", "sales1@lab.local")
    ]


def test_two_mobile_assignees():
    task = parse_task(body_of("250")["message"], zone=TOKYO, site=None)
    assert [a.full_name for a in task.assignees] == ["Manager One", "Sales One"]


def test_a_mobile_assignee_matches_a_user_id_by_email():
    task = parse_task(body_of("235")["message"], zone=UTC, site=None)
    assert task.is_assigned_to("sales1@lab.local") and not task.is_assigned_to("Administrator")


def test_site_strings_are_bounded():
    raw = {"name": 1, "title": "t" * 10_000, "description": "d" * 100_000, "x": "y" * 5000}
    task = parse_task(raw, zone=UTC, site=None)
    assert len(task.title) == MAX_TITLE and len(task.description) == MAX_DESCRIPTION
    assert len(task.extra["x"]) <= 200


def test_the_documented_envelope_is_accepted():
    rows, paging, flavour = filter_envelope({"data": [{"name": 125}]}, site=None)
    assert (len(rows), flavour, paging.get("has_next")) == (1, "documented", None)


def test_the_deployed_envelope_is_recognised():
    _rows, paging, flavour = filter_envelope(body_of("026")["message"], site=None)
    assert flavour == "deployed" and paging["page"] == 1


def test_an_unknown_envelope_is_unexpected():
    with pytest.raises(UnexpectedAnswer):
        filter_envelope({"rows": []}, site=None)
