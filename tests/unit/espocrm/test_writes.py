"""Writes: checked before sending where the site would take a mistake, and checked after
against the record the site answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.sites.backends.base import TaskChanges
from portal.sites.backends.errors import (
    EditConflict,
    InputRefused,
    NoPermission,
    ValidationFailed,
)
from portal.sites.backends.espocrm import auth

from .conftest import ASMITH, HMAC_KEY, HMAC_SECRET, JDOE, open_backend
from .recordings import body_of, load

TASK = "6b0fc574c4c300202"


def test_create_sends_utc_datetimes_and_returns_the_task_as_answered(site):
    # The recorded body, and the all-day forms cleared: these are datetimes [121].
    sent = {**load("063")["request"]["body"], "dateStartDate": None, "dateEndDate": None}
    site.expect("063", body=sent, auth=True)
    changes = TaskChanges(
        title="Call Ahmed about unit 12",
        status="Not Started",
        priority="High",
        start=datetime(2026, 12, 2, 9, 15),
        due=datetime(2026, 12, 3, 7, 15),
        description="Discuss <b>payment plan</b>",
        assignees=(JDOE,),
    )
    backend = open_backend(site, credential=auth.HmacAuth(HMAC_KEY, HMAC_SECRET))
    site.queue[0] = (
        "063",
        ...,
        {**load("063")["request"]["body"], "dateStartDate": None, "dateEndDate": None},
        ...,
        True,
    )
    task = backend.create(changes)
    assert task.id == TASK and backend.unapplied(changes, task) == ()


def test_create_without_an_assignee_is_refused_before_sending(site):
    with pytest.raises(InputRefused, match="needs an assignee"):
        open_backend(site).create(TaskChanges(title="No assignee"))
    assert site.sent == []  # the site would answer 400 [052]


def test_a_start_after_the_end_is_refused_although_the_site_takes_it(site):
    assert body_of("057")["dateStart"] > body_of("057")["dateEnd"]  # accepted [057]
    with pytest.raises(InputRefused, match="start is after"):
        open_backend(site).create(
            TaskChanges(
                title="Start after end",
                assignees=(JDOE,),
                start=datetime(2026, 12, 20, 10),
                due=datetime(2026, 12, 19, 10),
            )
        )


def test_an_edit_of_one_date_is_checked_against_the_other_on_the_site(site):
    site.expect("110")  # start 2026-12-02 09:15 UTC
    with pytest.raises(InputRefused, match="start is after"):
        open_backend(site).edit(TASK, TaskChanges(due=datetime(2026, 12, 1, 8)))
    assert [s["method"] for s in site.sent] == ["GET"]


def test_a_value_outside_the_vocabulary_is_refused_before_sending(site):
    with pytest.raises(InputRefused, match="not a priority"):
        open_backend(site).edit(TASK, TaskChanges(priority="Critical"))  # 400 there [054]
    with pytest.raises(InputRefused, match="one assignee"):
        open_backend(site).edit(TASK, TaskChanges(assignees=(JDOE, ASMITH)))
    with pytest.raises(InputRefused, match="at most 255"):
        open_backend(site).edit(TASK, TaskChanges(title="x" * 256))  # 400 there [061]


def test_a_status_change_is_a_patch_answered_with_the_record(site):
    site.expect("113")
    task = open_backend(site).set_status(TASK, "Started")
    assert task.status == "Started" and task.portal_status == "in_progress"


def test_an_edit_is_a_patch_and_the_answer_is_checked(site):
    site.expect("112", body={"dateEnd": "2026-12-04 18:00:00", "dateEndDate": None})
    site.queue.appendleft(("110", ..., ..., ..., False))  # the start, to compare with
    changes = TaskChanges(due=datetime(2026, 12, 4, 18))
    backend = open_backend(site)
    task = backend.edit(TASK, changes)
    assert backend.unapplied(changes, task) == ()
    assert backend.unapplied(TaskChanges(priority="Low"), task)[0].answered == "Urgent"


def test_a_stale_task_is_an_edit_conflict_with_the_fresh_one(site):
    site.expect("110")  # modified 07:15:00; the person opened it at 07:14:00
    with pytest.raises(EditConflict) as raised:
        open_backend(site).edit(
            TASK,
            TaskChanges(priority="Urgent"),
            expected_modified=datetime(2026, 12, 2, 7, 14, tzinfo=UTC),
        )
    assert raised.value.current.id == TASK and len(site.sent) == 1  # nothing written


def test_an_assignment_outside_ones_teams_is_refused_in_words(site):
    site.expect("130")
    with pytest.raises(NoPermission, match="own teams"):
        open_backend(site).edit("6b0fc585b2344bedc", TaskChanges(assignees=(ASMITH,)))


def test_a_validation_failure_names_the_field(site):
    site.expect("117")
    with pytest.raises(ValidationFailed, match="the priority is not a value this site takes"):
        open_backend(site).client.patch(TASK, {"priority": "P1"})


def test_a_second_delete_finds_nothing_and_counts_as_deleted(site):
    site.expect("135").expect("136")
    backend = open_backend(site)
    backend.delete("6b0fc56d067e2cbc6")
    backend.delete("6b0fc56d067e2cbc6")
