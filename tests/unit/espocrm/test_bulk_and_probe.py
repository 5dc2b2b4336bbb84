"""Bulk status changes (``POST /MassAction`` where the role allows it) and the doctor's probe."""

from __future__ import annotations

import pytest

from portal.sites.backends.errors import InputRefused, NoPermission

from .conftest import open_backend
from .recordings import body_of

A, B = "6b0fc574c4c300202", "6b0fc585b2344bedc"


def _allowing_mass_update():
    answer = body_of("134")
    return {**answer, "acl": {**answer["acl"], "massUpdatePermission": "yes"}}


def test_without_mass_update_permission_each_task_is_changed_alone(site):
    site.expect("134")  # massUpdatePermission "no" for the recorded API role
    site.expect("113").expect("129")
    outcomes = open_backend(site).set_status_many([A, B], "Started")
    assert {i: t.status for i, t in outcomes.items()} == {A: "Started", B: "Started"}


def test_with_the_permission_one_mass_action_then_one_read_back(site):
    site.expect("134", answer=_allowing_mass_update())
    sent = {
        "entityType": "Task",
        "action": "update",
        "params": {"ids": [A, B]},
        "data": {"status": "Started"},
    }
    site.expect("146", body=sent, answer={"count": 2, "ids": [A, B]})
    rows = [{**body_of("113")}, {**body_of("129")}]
    read = [
        ("where[0][type]", "in"),
        ("where[0][attribute]", "id"),
        ("where[0][value][]", A),
        ("where[0][value][]", B),
        ("maxSize", "200"),
    ]
    site.expect("082", query=read, answer={"total": 2, "list": rows})
    outcomes = open_backend(site).set_status_many([A, B], "Started")
    assert [s["method"] for s in site.sent] == ["GET", "POST", "GET"]
    assert {t.status for t in outcomes.values()} == {"Started"}


def test_a_mass_action_refused_falls_back_to_one_task_at_a_time(site):
    site.expect("134", answer=_allowing_mass_update())
    site.expect(
        "145",
        body={
            "entityType": "Task",
            "action": "update",
            "params": {"ids": [A, B]},
            "data": {"status": "Started"},
        },
    )
    site.expect("113").expect("130", body={"status": "Started"})  # B refused: told per id
    outcomes = open_backend(site).set_status_many([A, B], "Started")
    assert outcomes[A].status == "Started" and isinstance(outcomes[B], NoPermission)


def test_a_bulk_status_outside_the_vocabulary_is_refused_before_sending(site):
    with pytest.raises(InputRefused):
        open_backend(site).set_status_many([A, B], "Done")


def test_the_probe_reads_the_user_the_zone_the_access_and_the_statuses(site):
    site.expect("134").expect("014").expect("109")
    found = open_backend(site).probe()
    assert found.reachable and found.credential_valid and found.can_read_list
    assert found.time_zone == "UTC" and found.user_id == "6b0fc51e521751a0e"
    assert found.vocabulary.statuses == tuple(body_of("109")["options"])
    assert "Urgent" in found.vocabulary.priorities and found.can_write
    assert any("mass-update" in f for f in found.findings)


def test_the_probe_tells_a_refused_credential(site):
    site.expect("009")
    found = open_backend(site, credential=None).probe()
    assert found.reachable and found.credential_valid is False


def test_the_probe_tells_an_api_user_without_a_role(site):
    site.expect("134").expect("169").expect("109")
    found = open_backend(site).probe()
    assert found.credential_valid and found.can_read_list is False
    assert any("No read access" in f for f in found.findings)
