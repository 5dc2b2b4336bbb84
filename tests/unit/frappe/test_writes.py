"""Every write the client makes, replayed from the recordings."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.sites.backends.frappe import (
    EditConflict,
    FrappeClient,
    InputRefused,
    NoPermission,
    NotFound,
    ServerError,
    ValidationFailed,
)

from .recordings import BASE, answer, body_of, fake_http, load

UTC = ZoneInfo("UTC")
RESOURCE = "/api/resource/CRM%20Task"


LISTED_FIELDS = (
    "name", "title", "description", "status", "priority", "task_type", "start_date",
    "due_date", "assigned_to", "_assign", "modified", "creation", "owner",
)  # fmt: skip


def expect_listed(site, number: str, assign: list[str]) -> None:
    """The list read a client makes after (re)assigning: no recording reads one task through
    the list, so its answer is the recorded single read of that moment ``number`` with the
    ``_assign`` the site then held (a JSON text, as lists give it [236])."""
    doc = body_of(number)["data"]
    row = {k: doc.get(k) for k in LISTED_FIELDS if k != "_assign"}
    row["_assign"] = json.dumps(assign)
    query = {
        "fields": json.dumps(list(LISTED_FIELDS), separators=(",", ":")),
        "filters": json.dumps([["name", "=", doc["name"]]], separators=(",", ":")),
        "order_by": "name asc",
        "limit_page_length": "1",
    }
    site.expect_request("GET", RESOURCE, query=query, answer=answer(200, {"data": [row]}))


def create_from(client: FrappeClient, number: str):
    """Create a task with exactly the fields the recording sent."""
    return client.create_task(**load(number)["request"]["body"])


# -- create -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number", ["007", "009", "010", "013", "019", "065", "183", "220", "221", "222", "223",
               "224", "225", "226"],
)  # fmt: skip
def test_create_task_returns_the_full_task(site, client, number):
    site.expect(number)
    task = create_from(client, number)
    raw = body_of(number)["message"]
    expected = (str(raw["name"]), raw["status"], raw["priority"])
    assert (task.id, task.status, task.priority) == expected


def test_create_task_sends_json_not_form(site, client):
    site.expect("007", check=lambda r: r.headers["Content-Type"] == "application/json")
    create_from(client, "007")


def test_create_task_returns_the_html_free_description(site, client):
    site.expect("007")
    assert create_from(client, "007").description == "Discuss payment plan"


def test_create_task_takes_aware_datetimes_and_sends_site_local_strings(site, client):
    site.expect("010")
    client.create_task(
        title="Overdue follow-up",
        task_type="whatsapp message",
        status="In Progress",
        priority="Medium",
        start_date=datetime(2026, 11, 22, 17, 0, tzinfo=ZoneInfo("Asia/Tokyo")),  # 08:00 UTC
        due_date=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
    )


def test_create_task_takes_a_date_for_a_date_only_start(site, client):
    site.expect("011")
    client.create_task(**{**load("011")["request"]["body"], "start_date": date(2026, 11, 23)})


def test_create_task_in_the_past_comes_back_late(site, tokyo):
    site.expect("243")
    assert create_from(tokyo, "243").status == "late"


def test_create_task_default_start_is_the_site_today(site, tokyo):
    site.expect("242")
    assert create_from(tokyo, "242").start_date.date() == date(2026, 11, 24)


def test_create_task_with_assignment_reads_the_task_again_for_modified(site, client):
    # The create answer's modified is older than the stored one [235/236].
    site.expect("247")
    expect_listed(site, "249", ["sales1@lab.local"])
    task = create_from(client, "247")
    assert task.modified == datetime.fromisoformat(body_of("249")["data"]["modified"]).replace(
        tzinfo=UTC
    )
    assert [a.user_id for a in task.assignees] == ["sales1@lab.local"]
    assert task.assignees[0].full_name == "Sales One"


def test_create_task_with_an_assignee_list(site, client):
    site.expect("012")
    expect_listed(site, "237", ["Administrator"])
    task = create_from(client, "012")
    assert [(a.user_id, a.email) for a in task.assignees] == [
        ("Administrator", "admin@example.com")
    ]


def test_a_200_with_server_messages_is_still_a_success(site, client):
    site.expect("235")
    expect_listed(site, "237", ["sales1@lab.local"])
    site.queue[1].recording["request"]["query"]["filters"] = '[["name","=",1046]]'
    assert create_from(client, "235").is_assigned_to("sales1@lab.local")


@pytest.mark.parametrize("number", ["014", "015", "016", "017", "018", "020", "021", "022"])
def test_create_task_refused_by_the_site_is_a_validation_error(site, client, number):
    site.expect(number)
    with pytest.raises(ValidationFailed) as refused:
        client.create_task(**load(number)["request"]["body"])
    assert refused.value.permanent and refused.value.status == 417


def test_create_task_invalid_status_message_lists_the_allowed_values(site, client):
    site.expect("016")
    with pytest.raises(ValidationFailed) as refused:
        create_from(client, "016")
    assert '"Todo", "Backlog", "In Progress", "Done", "Canceled", "late"' in refused.value.message


def test_create_task_refuses_a_malformed_date_before_sending(site, client):
    with pytest.raises(InputRefused):  # the site would answer 500 [023]
        create_from(client, "023")
    assert site.sent == []


def test_a_500_on_a_write_is_permanent(site, client):
    site.expect("023", relax=("body",))
    with pytest.raises(ServerError) as failed:
        client.create_task(title="Bad date", task_type="call", start_date="2026-11-23")
    assert failed.value.permanent


def test_a_write_without_a_crm_role_is_no_permission(site, client):
    site.expect("074")
    with pytest.raises(NoPermission) as refused:
        create_from(client, "074")
    assert "does not have doctype access" in refused.value.message


def test_create_task_refuses_unknown_field_names(client):
    with pytest.raises(InputRefused):
        client.create_task(**{"task_type": "call", "bad field": "x"})


# -- edit ---------------------------------------------------------------------------------------


def test_edit_task_sends_only_the_changed_fields(site, client):
    site.expect("034")
    task = client.edit_task(
        16, title="Call Ahmed (edited)", priority="Medium", status="In Progress"
    )
    assert (task.title, task.status) == ("Call Ahmed (edited)", "In Progress")


def test_edit_task_by_another_user(site, client):
    site.expect("066")
    assert client.edit_task(16, title="edited by sales1").modified is not None


def test_edit_task_of_a_missing_task_is_not_found(site, client):
    site.expect("037", relax=("body",))  # recorded with the id as a string
    with pytest.raises(NotFound) as missing:
        client.edit_task("999999", title="ghost")
    assert missing.value.message == "CRM Task 999999 not found"


@pytest.mark.parametrize("number", ["038", "039"])
def test_edit_task_with_a_bad_option_is_a_validation_error(site, client, number):
    site.expect(number)
    body = dict(load(number)["request"]["body"])
    with pytest.raises(ValidationFailed):
        client.edit_task(body.pop("task_id"), **body)


def test_edit_task_without_changes_is_refused(client):
    with pytest.raises(InputRefused):
        client.edit_task(16)


def test_edit_task_without_a_crm_role(site, client):
    site.expect("075")
    with pytest.raises(NoPermission):
        client.edit_task(16, title="edited by norole")


def test_reassigning_reads_the_task_again(site, tokyo):
    site.expect("248")
    expect_listed(site, "249", ["manager1@lab.local"])
    task = tokyo.edit_task(1051, assigned_to_list=["manager1@lab.local"])
    assert [a.user_id for a in task.assignees] == ["manager1@lab.local"]
    assert task.modified.isoformat().startswith("2026-11-24T02:28:51.836553")


def test_two_assignees_are_kept_from_the_request(site, tokyo):
    site.expect("250")
    expect_listed(site, "249", ["manager1@lab.local", "sales1@lab.local"])
    task = tokyo.edit_task(1051, assigned_to_list=["manager1@lab.local", "sales1@lab.local"])
    assert [a.full_name for a in task.assignees] == ["Manager One", "Sales One"]


def test_assignees_are_who_the_site_holds_after_the_write_not_who_was_asked_for(site, tokyo):
    """A site that kept only one of two people: the task says so, and the write can be told
    apart from a success."""
    site.expect("250")
    expect_listed(site, "249", ["manager1@lab.local"])
    task = tokyo.edit_task(1051, assigned_to_list=["manager1@lab.local", "sales1@lab.local"])
    assert [a.user_id for a in task.assignees] == ["manager1@lab.local"]


def test_an_empty_assignee_list_does_not_trust_the_answer(site, tokyo):
    # 251 still names the previous assignee; the stored task has none [252].
    site.expect("251")
    expect_listed(site, "252", [])
    assert tokyo.edit_task(1051, assigned_to_list=[]).assignees == ()


def test_an_edit_on_an_outdated_copy_is_refused_with_the_fresh_task(site, client):
    site.expect("237")
    with pytest.raises(EditConflict) as conflict:
        client.edit_task(21, title="x", expected_modified=datetime(2026, 11, 23, tzinfo=UTC))
    assert conflict.value.current.id == "21" and len(site.sent) == 1


def test_an_edit_on_the_current_copy_goes_through(site, client):
    site.expect("237")
    site.expect("034", relax=("body",))
    current = datetime.fromisoformat(body_of("237")["data"]["modified"]).replace(tzinfo=UTC)
    client.edit_task(21, title="x", expected_modified=current)
    assert len(site.sent) == 2


# -- update_status ------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["041", "042", "067", "193"])
def test_update_status_returns_the_compact_task(site, client, number):
    site.expect(number)
    body = load(number)["request"]["body"]
    task = client.update_status(body["task_id"], body["status"])
    assert (task.id, task.status) == (str(body["task_id"]), body["status"])


def test_update_status_to_done_maps_to_the_portal_done(site, client):
    site.expect("041")
    assert client.update_status(17, "Done").portal_status == "done"


def test_update_status_to_canceled_maps_to_the_portal_cancelled(site, client):
    site.expect("042")
    assert client.update_status(18, "Canceled").portal_status == "cancelled"


def test_update_status_with_an_unknown_value(site, client):
    site.expect("043")
    with pytest.raises(ValidationFailed):
        client.update_status(17, "Finished")


def test_update_status_of_a_missing_task(site, client):
    site.expect("046", relax=("body",))
    with pytest.raises(NotFound):
        client.update_status("999999", "Done")


def test_update_status_without_a_crm_role(site, client):
    site.expect("076")
    with pytest.raises(NoPermission):
        client.update_status(16, "Done")


def test_update_status_refuses_an_empty_status(client):
    with pytest.raises(InputRefused):
        client.update_status(16, "")


# -- delete -------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["048", "049", "069", "092"])
def test_delete_task(site, client, number):
    site.expect(number)
    client.delete_task(load(number)["request"]["body"]["task_id"])


def test_delete_without_permission(site, client):
    site.expect("077")
    with pytest.raises(NoPermission) as refused:
        client.delete_task(19)
    assert "User not allowed to delete CRM Task: 19" in refused.value.message


@pytest.mark.parametrize("bad", [0, -3, "abc", None, True])
def test_a_bad_task_id_is_refused_before_sending(client, bad):
    with pytest.raises(InputRefused):
        client.delete_task(bad)


# -- plain sites: the generic REST (no recording of these writes: answers are recorded docs) ----


@pytest.fixture
def plain(site) -> FrappeClient:
    from portal.sites.backends.frappe import ApiKeyAuth

    return FrappeClient(BASE, ApiKeyAuth("k", "s"), time_zone="UTC", flavour="plain",
                        http=fake_http(site))  # fmt: skip


def test_plain_create_posts_the_document(site, plain):
    doc = body_of("237")["data"]
    body = {"task_type": "lead meeting", "assigned_to": "Administrator"}
    site.expect_request("POST", RESOURCE, body=body, answer=answer(200, {"data": doc}))
    task = plain.create_task(task_type="lead meeting", assigned_to_list=["Administrator"])
    assert task.assignees[0].user_id == "Administrator"


def test_plain_edit_puts_the_changes(site, plain):
    site.expect_request("PUT", f"{RESOURCE}/21", body={"title": "Assigned to admin"},
                        answer=answer(200, body_of("237")))  # fmt: skip
    assert plain.edit_task(21, title="Assigned to admin").id == "21"


def test_plain_status_is_a_put(site, plain):
    site.expect_request("PUT", f"{RESOURCE}/19", body={"status": "late"},
                        answer=answer(200, body_of("053")))  # fmt: skip
    assert plain.update_status(19, "late").status == "late"


def test_plain_delete_of_a_missing_task_counts_as_deleted(site, plain):
    site.expect_request("DELETE", f"{RESOURCE}/18", answer=answer(404, body_of("037")))
    plain.delete_task(18)


def test_plain_sites_take_one_assignee(plain):
    with pytest.raises(InputRefused):
        plain.create_task(task_type="call", assigned_to_list=["a@x.test", "b@x.test"])
