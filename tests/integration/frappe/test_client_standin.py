"""The client against stand-in sites of every flavour over real HTTP, counting requests."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from portal.sites.backends.frappe import (
    ApiKeyAuth,
    EditConflict,
    FrappeClient,
    NoPermission,
    NotFound,
    ValidationFailed,
    bucket,
    site_status,
)

from .conftest import KEYS, dev_http

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 23, 17, 20, tzinfo=UTC)  # the stand-ins' frozen clock


def local(client: FrappeClient, text: str) -> str:
    """A site-local naive string for a day offset like '+1 09:00' from the site's today."""
    days, clock = text.split(" ")
    today = NOW.astimezone(client.zone).date()
    return f"{date.fromordinal(today.toordinal() + int(days)).isoformat()} {clock}:00"


def typed(flavour: str, **fields):
    if flavour != "plain":  # upstream Frappe CRM has no task_type
        fields.setdefault("task_type", "call")
    return fields


def test_probe_finds_the_flavour_and_vocabulary(client, site, flavour):
    client.flavour = None
    mark = site.mark()
    found = client.probe()
    assert (found.reachable, found.credential_valid, found.flavour) == (True, True, flavour)
    assert found.user_id == "sales1@lab.local" and found.can_read_list is True
    assert found.vocabulary.priorities == ("Low", "Medium", "High")
    assert len(site.since(mark)) <= 7


def test_a_task_through_its_life_one_request_per_step(client, site, flavour):
    mark = site.mark()
    created = client.create_task(**typed(flavour, title="Life", priority="High",
                                         start_date=local(client, "+1 09:00")))  # fmt: skip
    assert len(site.since(mark)) == 1 and site.task(created.id)["title"] == "Life"

    mark = site.mark()
    edited = client.edit_task(created.id, title="Life (edited)")
    assert edited.title == "Life (edited)" and len(site.since(mark)) == 1

    done = site_status("done", client.vocabulary())
    mark = site.mark()
    assert client.update_status(created.id, done).portal_status == "done"
    assert len(site.since(mark)) == 1 and site.task(created.id)["status"] == done

    mark = site.mark()
    client.delete_task(created.id)
    assert len(site.since(mark)) == 1
    gone = requests.get(f"{site.base}/tasks/{created.id}", timeout=5)
    assert gone.status_code == 404


def test_deleting_a_missing_task_counts_as_deleted(client, site):
    client.delete_task(987654)


def test_a_missing_task_is_not_found(client, site):
    with pytest.raises(NotFound):
        client.get_task(987654)


def test_filter_tasks_reads_every_page_without_a_call_per_task(client, site, flavour):
    site.insert([{"title": f"Bulk {i}", "start_date": "2026-11-20 09:00:00", "priority": "Low"}
                 for i in range(450)])  # fmt: skip
    mark = site.mark()
    tasks = client.filter_tasks(date_from="2026-11-20", date_to="2026-11-20", page_size=200)
    assert len(tasks) == 450 and len({t.id for t in tasks}) == 450
    assert len(site.since(mark)) == 3


def test_the_last_day_of_a_range_counts_whole(client, site):
    names = site.insert([
        {"title": "midnight", "start_date": "2026-11-20 00:00:00"},
        {"title": "evening", "start_date": "2026-11-20 18:00:00"},
        {"title": "next midnight", "start_date": "2026-11-21 00:00:00"},
    ])  # fmt: skip
    found = client.filter_tasks(date_from=date(2026, 11, 20), date_to=date(2026, 11, 20))
    assert sorted(t.id for t in found) == [str(n) for n in names[:2]]


def test_overdue_scan_is_complete_through_the_generic_list(client, site, flavour):
    vocabulary = client.vocabulary()
    todo, done = site_status("open", vocabulary), site_status("done", vocabulary)
    names = site.insert([
        {"title": "due yesterday", "status": todo, "due_date": local(client, "-1 09:00")},
        {"title": "due tomorrow", "status": todo, "due_date": local(client, "+1 09:00")},
        {"title": "no due date", "status": todo},
        {"title": "done long ago", "status": done, "due_date": local(client, "-3 09:00")},
        {"title": "due an hour ago", "status": todo, "due_date": local(client, "+0 01:00")},
    ])  # fmt: skip
    mark = site.mark()
    overdue = client.overdue_scan(NOW)
    assert sorted(t.id for t in overdue) == sorted([str(names[0]), str(names[4])])
    assert {bucket(t, NOW) for t in overdue} == {"overdue"}
    assert len(site.since(mark)) == (2 if flavour == "deployed" else 1)


def test_overdue_scan_counts_late_without_a_due_date_on_deployed_sites(standin):
    from .conftest import Control

    site = Control(standin["deployed"])
    site.reset()
    (name,) = site.insert([{"title": "marked late", "status": "late"}])
    client = FrappeClient(standin["deployed"], ApiKeyAuth(*KEYS["sales1@lab.local"]),
                          time_zone="Asia/Tokyo", flavour="deployed", http=dev_http())  # fmt: skip
    assert [t.id for t in client.overdue_scan(NOW)] == [str(name)]


def test_tasks_assigned_to_a_site_user(client, site):
    names = site.insert([
        {"title": "mine", "assignees": ["sales1@lab.local"]},
        {"title": "theirs", "assignees": ["sales10@lab.local"]},
        {"title": "shared", "assignees": ["Administrator", "sales1@lab.local"]},
        {"title": "nobody's"},
    ])  # fmt: skip
    mine = client.tasks_assigned_to("sales1@lab.local")
    assert sorted(t.id for t in mine) == [str(names[0]), str(names[2])]


def test_home_tasks_and_buckets_use_the_site_today(client, site):
    names = site.insert([
        {"title": "today", "start_date": local(client, "+0 09:00")},
        {"title": "yesterday", "start_date": local(client, "-1 09:00")},
        {"title": "tomorrow", "start_date": local(client, "+1 09:00")},
    ])  # fmt: skip
    assert [t.id for t in client.home_tasks(limit=10)] == [str(names[0])]
    buckets = client.main_page_buckets(min_each=10)
    assert ([t.id for t in buckets.today], [t.id for t in buckets.upcoming]) == (
        [str(names[0])],
        [str(names[2])],
    )


def test_an_edit_on_an_outdated_copy_is_refused(client, site, flavour):
    task = client.create_task(**typed(flavour, title="Original"))
    client.edit_task(task.id, title="Changed elsewhere")
    with pytest.raises(EditConflict) as conflict:
        client.edit_task(task.id, title="Mine", expected_modified=task.modified)
    assert conflict.value.current.title == "Changed elsewhere"


def test_an_edit_on_the_current_copy_goes_through(client, site, flavour):
    task = client.create_task(**typed(flavour, title="Original"))
    fresh = client.get_task(task.id)
    assert client.edit_task(task.id, title="Mine", expected_modified=fresh.modified).title == "Mine"


@pytest.mark.parametrize("flavour", ["deployed"])
def test_reassigning_and_clearing_assignees(client, site, flavour):
    task = client.create_task(**typed(flavour, title="Reassign", assigned_to="sales1@lab.local"))
    assert [a.user_id for a in task.assignees] == ["sales1@lab.local"]
    mark = site.mark()
    cleared = client.edit_task(task.id, assigned_to_list=[])
    assert cleared.assignees == () and site.task(task.id)["assignees"] == []
    assert len(site.since(mark)) == 2  # the edit, and one read: its answer lies [251, 252]
    assert cleared.modified == client.get_task(task.id).modified


@pytest.mark.parametrize("flavour", ["documented", "plain"])
def test_one_assignee_on_sites_without_assignee_lists(client, site, flavour):
    task = client.create_task(**typed(flavour, title="One", assigned_to_list=["sales1@lab.local"]))
    assert site.task(task.id)["assignees"] == ["sales1@lab.local"]
    assert [a.user_id for a in task.assignees] == ["sales1@lab.local"]


def test_a_site_refusal_is_a_validation_error_with_its_message(client, site, flavour):
    with pytest.raises(ValidationFailed) as refused:
        client.create_task(**typed(flavour, title="x", priority="Urgent"))
    assert "High" in refused.value.message  # the allowed values, in the site's words


def test_malformed_dates_never_reach_the_site(client, site):
    mark = site.mark()
    with pytest.raises(Exception, match="valid date"):
        client.create_task(title="x", start_date="not-a-date")
    assert site.since(mark) == []


def test_an_account_without_a_crm_role(standin, site, flavour):
    client = FrappeClient(standin[flavour], ApiKeyAuth(*KEYS["norole@lab.local"]),
                          time_zone="UTC", flavour=flavour, http=dev_http())  # fmt: skip
    with pytest.raises(NoPermission):
        client.create_task(**typed(flavour, title="x"))
    with pytest.raises(NoPermission):
        client.overdue_scan(NOW)
