"""Behaviour beyond the recordings that the portal relies on: generic REST
filters and writes, credentials, the request log, and the other flavours."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from standin.testing import InProcessStandin
from tests.standin.conftest import SALES, login, method, mobile, site_config

FIELDS = json.dumps(["name", "title", "status", "due_date", "_assign"])


def _resource(site, session, **params):
    params = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in params.items()}
    resp = session.get(f"{site.url}/api/resource/CRM Task", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]


@pytest.fixture
def tasks(site):
    return site.control.insert_tasks(
        [
            {"title": "due yesterday", "status": "Todo", "due_date": "2026-11-22 10:00:00"},
            {"title": "no due date", "status": "Todo"},
            {"title": "finished", "status": "Done", "due_date": "2026-11-20 10:00:00"},
            {
                "title": "متابعة العميل أحمد",
                "status": "In Progress",
                "due_date": "2026-11-30 10:00:00",
                "assignees": [SALES["name"]],
            },
        ]
    )


def test_resource_filters_follow_frappe_semantics(site, sales, tasks):
    naive = _resource(
        site,
        sales,
        fields=FIELDS,
        filters=[
            ["due_date", "<", "2026-11-23 09:00:00"],
            ["status", "not in", ["Done", "Canceled"]],
        ],
    )
    assert [t["name"] for t in naive] == tasks[:2], "NULL due dates match < [201]"
    proper = _resource(
        site,
        sales,
        fields=FIELDS,
        filters=[
            ["due_date", "is", "set"],
            ["due_date", "<", "2026-11-23"],
            ["status", "not in", ["Done", "Canceled"]],
        ],
    )
    assert [t["name"] for t in proper] == tasks[:1]
    mine = _resource(
        site, sales, fields=FIELDS, filters=[["_assign", "like", f"%{SALES['name']}%"]]
    )
    assert [(t["name"], json.loads(t["_assign"])) for t in mine] == [(tasks[3], [SALES["name"]])]
    arabic = _resource(site, sales, filters=[["title", "like", "%العميل%"]])
    assert arabic == [{"name": tasks[3]}]
    unset = _resource(site, sales, filters=[["due_date", "is", "not set"]])
    assert unset == [{"name": tasks[1]}]
    between = _resource(
        site, sales, filters={"due_date": ["between", ["2026-11-20", "2026-11-22"]]}
    )
    assert [t["name"] for t in between] == [tasks[0], tasks[2]]


def test_resource_paging_ordering_and_errors(site, sales, tasks):
    page = _resource(site, sales, order_by="name desc", limit_start=1, limit_page_length=2)
    assert [t["name"] for t in page] == [tasks[2], tasks[1]]
    everything = _resource(site, sales, fields=json.dumps(["*"]), limit_page_length=0)
    assert len(everything) == 4 and "modified_by" in everything[0]
    bad = sales.get(f"{site.url}/api/resource/CRM Task", params={"order_by": "nope desc"})
    assert bad.status_code == 500 and bad.json()["exc_type"] == "OperationalError"
    count = sales.get(
        method(site, "frappe.client.get_count"),
        params={"doctype": "CRM Task", "filters": json.dumps({"status": "Todo"})},
    )
    assert count.json() == {"message": 2}
    missing = sales.get(f"{site.url}/api/resource/CRM Task/999999")
    assert missing.status_code == 404 and "exception" not in missing.json()


def test_resource_reads_need_a_crm_role(site, tasks):
    norole = login(site.url, "norole@test.local", "norole-pass")
    assert norole.get(f"{site.url}/api/resource/CRM Task").status_code == 403
    assert requests.get(f"{site.url}/api/resource/CRM Task", timeout=10).status_code == 403
    # ... while mobile_api reads ignore permissions [071-073].
    assert norole.get(mobile(site, "filter_tasks")).json()["message"]["message"]["total"] == 4


def test_api_keys_work_as_token_and_basic_and_regeneration_kills_the_old_secret(site, admin):
    old = site.control.api_keys(SALES["name"])
    token = {"Authorization": f"token {old['api_key']}:{old['api_secret']}"}
    who = method(site, "frappe.auth.get_logged_user")
    assert requests.get(who, headers=token, timeout=10).json() == {"message": SALES["name"]}
    basic = base64.b64encode(f"{old['api_key']}:{old['api_secret']}".encode()).decode()
    assert requests.get(who, headers={"Authorization": f"Basic {basic}"}, timeout=10).ok
    new = admin.post(
        method(site, "frappe.core.doctype.user.user.generate_keys"), data={"user": SALES["name"]}
    ).json()["message"]["api_secret"]
    assert new != old["api_secret"]
    assert requests.get(who, headers=token, timeout=10).status_code == 401
    fresh = {"Authorization": f"token {old['api_key']}:{new}"}
    assert requests.get(who, headers=fresh, timeout=10).ok
    # A bad header is refused even by a method guests may call.
    assert (
        requests.post(
            method(site, "login"),
            headers={"Authorization": "token x:y"},
            data={"usr": "Administrator", "pwd": "admin"},
            timeout=10,
        ).status_code
        == 401
    )


def test_logout_ends_the_cookie_session(site, sales):
    assert sales.get(mobile(site, "home_tasks")).ok
    sid = sales.cookies["sid"]
    sales.post(method(site, "logout"))
    again = requests.get(mobile(site, "home_tasks"), cookies={"sid": sid}, timeout=10)
    assert again.status_code == 403 and again.json()["exc_type"] == "PermissionError"


def test_saving_an_overdue_task_switches_it_to_late_unless_done(site, sales):
    made = sales.post(
        mobile(site, "create_task"),
        json={"task_type": "call", "status": "Todo", "due_date": "2026-11-24 10:00:00"},
    ).json()
    name = made["message"]["name"]
    assert made["message"]["status"] == "Todo"
    site.control.set_clock(now="2026-11-25T00:00:00Z")
    assert (
        sales.post(mobile(site, "update_status"), json={"task_id": name, "status": "Todo"}).json()[
            "message"
        ]["status"]
        == "late"
    )
    assert (
        sales.post(mobile(site, "update_status"), json={"task_id": name, "status": "Done"}).json()[
            "message"
        ]["status"]
        == "Done"
    )


def test_the_request_log_records_each_call(site, sales):
    site.control.clear_log()
    sales.get(mobile(site, "filter_tasks"), params={"status": "Todo"})
    requests.get(mobile(site, "home_tasks"), timeout=10)
    entries = site.control.log()
    assert [(e["method"], e["path"], e["status"], e["user"]) for e in entries] == [
        ("GET", "/api/method/crm.api.mobile_api.filter_tasks", 200, SALES["name"]),
        ("GET", "/api/method/crm.api.mobile_api.home_tasks", 403, None),
    ]
    assert entries[0]["query"] == "status=Todo" and entries[0]["duration_ms"] >= 0
    assert site.control.log(since=entries[0]["seq"]) == entries[1:]


def test_a_plain_site_has_no_mobile_api_but_takes_generic_writes():
    with InProcessStandin(site_config("plain", flavour="plain")) as running:
        site = running.sites["plain"]
        session = login(site.url, SALES["name"], SALES["password"])
        resp = session.get(mobile(site, "home_tasks"))
        assert resp.status_code == 417
        assert "No module named 'crm.api.mobile_api'" in resp.json()["exception"]
        meta = session.get(f"{site.url}/api/v2/doctype/CRM Task/meta").json()["data"]
        options = {
            f["fieldname"]: f["options"] for f in meta["fields"] if f["fieldtype"] == "Select"
        }
        assert options["status"] == "Backlog\nTodo\nIn Progress\nDone\nCanceled"
        made = session.post(
            f"{site.url}/api/resource/CRM Task", json={"title": "generic", "status": "Todo"}
        ).json()["data"]
        changed = session.put(
            f"{site.url}/api/resource/CRM Task/{made['name']}", json={"status": "Done"}
        ).json()["data"]
        assert changed["status"] == "Done"
        bad = session.put(
            f"{site.url}/api/resource/CRM Task/{made['name']}", json={"status": "late"}
        )
        assert bad.status_code == 417
        assert session.delete(f"{site.url}/api/resource/CRM Task/{made['name']}").json() == {
            "message": "ok"
        }
        assert site.control.task(made["name"]) is None


def test_a_documented_site_follows_the_reference():
    with InProcessStandin(site_config("doc", flavour="documented")) as running:
        site = running.sites["doc"]
        session = login(site.url, SALES["name"], SALES["password"])
        no_title = session.post(mobile(site, "create_task"), json={"priority": "High"})
        assert no_title.status_code == 400 and no_title.json()["exc_type"] == "ValidationError"
        bad = session.post(mobile(site, "create_task"), json={"title": "x", "status": "Todo"})
        assert bad.json()["exception"] == (
            "Invalid status value. Must be one of: Open, In Progress, Completed, Cancelled"
        )
        names = [
            session.post(
                mobile(site, "create_task"), json={"title": f"t{i}", "start_date": "2026-11-23"}
            ).json()["message"]["name"]
            for i in range(3)
        ]
        first = session.get(mobile(site, "filter_tasks"), params={"limit": 2, "offset": 0}).json()
        rest = session.get(mobile(site, "filter_tasks"), params={"limit": 2, "offset": 2}).json()
        assert list(first["message"]) == ["data"]
        assert [t["name"] for t in first["message"]["data"] + rest["message"]["data"]] == names[
            ::-1
        ]
        task = first["message"]["data"][0]
        assert task["status"] == "Open" and task["assigned_to"] == SALES["name"]
        assert task["start_date"] == "2026-11-23"
        done = session.post(
            mobile(site, "update_status"), json={"task_id": names[0], "status": "Completed"}
        ).json()
        assert done["message"]["status"] == "Completed"
        assert session.post(mobile(site, "delete_task"), json={"task_id": names[0]}).json() == {
            "message": f"Task {names[0]} deleted successfully"
        }
        gone = session.post(mobile(site, "delete_task"), json={"task_id": names[0]})
        assert gone.status_code == 404 and gone.json()["exc_type"] == "DoesNotExistError"
