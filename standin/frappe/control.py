"""The control API under `/_standin/` (JSON), on each site's port and on the
admin port as `/_standin/sites/<name>/...`. It lets tests set the clock, read
the request log, inject faults, read and write raw state. See README.md."""

from __future__ import annotations

import json

from standin.frappe.api.common import cint
from standin.frappe.config import ConfigError, check_webhook
from standin.frappe.httpio import Request
from standin.frappe.query import (
    Where,
    normalise_datetime,
    parse_fields,
    parse_filters,
    parse_order_by,
)
from standin.frappe.store import COLUMNS
from standin.frappe.users import user_document
from standin.httpio import Response, json_response


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _body(req: Request) -> dict:
    if not req.body:
        return {}
    try:
        data = json.loads(req.body.decode("utf-8"))
    except ValueError as exc:
        raise ControlError(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ControlError("body must be a JSON object")
    return data


def info(site, req, body):
    return {
        "name": site.name,
        "flavour": site.flavour.name,
        "url": site.url,
        "time_zone": site.clock.time_zone,
        "clock": site.clock.state(),
        "tasks": site.store.count(),
        "next_task_id": site.peek_next_id(),
        "listening": getattr(getattr(site, "listener", None), "listening", True),
        "cost_model": site.cost.state(),
    }


def clock(site, req, body):
    if req.method == "POST":
        try:
            site.clock.set(
                mode=body.get("mode"),
                now=body.get("now"),
                offset_seconds=body.get("offset_seconds"),
                advance_seconds=body.get("advance_seconds"),
            )
        except ValueError as exc:
            raise ControlError(str(exc)) from None
    return site.clock.state()


def log(site, req, body):
    q = req.query
    return {"entries": site.log.entries(cint(q.get("since"), 0), cint(q.get("limit"), 0) or None)}


def log_clear(site, req, body):
    site.log.clear()
    return {"ok": True}


def faults(site, req, body):
    if req.method == "POST":
        try:
            site.faults.set(body.get("faults", []))
        except (ValueError, TypeError) as exc:
            raise ControlError(str(exc)) from None
    return site.faults.state()


def faults_clear(site, req, body):
    site.faults.set([])
    return site.faults.state()


def _raw(row: dict) -> dict:
    out = dict(row)
    out["assignees"] = json.loads(row["_assign"]) if row.get("_assign") else []
    return out


def tasks(site, req, body):
    if req.method == "POST":
        return {"names": insert_tasks(site, body)}
    q = req.query
    where = parse_filters(q.get("filters")) if q.get("filters") else Where()
    for key, value in q.items():
        if key in COLUMNS:
            where.add(f"{key} = ?", value)
    if q.get("assigned"):
        where.add("_assign LIKE ?", f'%"{q["assigned"]}"%')
    fields = parse_fields(q["fields"]) if q.get("fields") else ["*"]
    order = parse_order_by(q.get("order_by"), "name asc")
    rows = site.store.select(
        fields,
        where.sql,
        where.params,
        order,
        limit=cint(q.get("limit"), 0) or None,
        offset=cint(q.get("offset")),
    )
    return {
        "tasks": [_raw(r) if "_assign" in r else r for r in rows],
        "total": site.store.count(where.sql, where.params),
    }


def insert_tasks(site, body: dict) -> list[int]:
    """Raw inserts: no validation, no webhooks; `save_rules` applies the switch
    to `late` a save would make."""
    as_user = body.get("as_user", "Administrator")
    rows = []
    for item in body.get("tasks", []):
        unknown = set(item) - set(COLUMNS) - {"assignees"}
        if unknown:
            raise ControlError(f"unknown task fields {sorted(unknown)}")
        row = {c: item.get(c) for c in COLUMNS}
        if row["name"] is None:
            row["name"] = site.next_id()
        elif int(row["name"]) >= site.peek_next_id():
            site.set_next_id(int(row["name"]) + 1)
        now = site.timestamp()
        row.update(
            {
                "owner": row["owner"] or as_user,
                "modified_by": row["modified_by"] or as_user,
                "creation": row["creation"] or now,
                "modified": row["modified"] or now,
                "docstatus": row["docstatus"] or 0,
                "idx": row["idx"] or 0,
                "has_reminder": row["has_reminder"] or 0,
                "priority": row["priority"] or "Medium",
                "status": row["status"] or site.flavour.default_status,
                "reference_doctype": row["reference_doctype"] or "CRM Lead",
                # The app's default; an explicit null makes the rare task without a start
                # (the desk can clear the field).
                "start_date": (
                    row["start_date"] or site.today()
                    if item.get("start_date", "") is not None
                    else None
                ),
            }
        )
        for key in ("start_date", "due_date"):
            if row[key] is not None:
                stored = normalise_datetime(row[key])
                if stored is None:
                    raise ControlError(f"task {row['name']}: malformed {key} {row[key]!r}")
                row[key] = stored
        assignees = item.get("assignees") or ([row["assigned_to"]] if row["assigned_to"] else [])
        row["_assign"] = json.dumps(assignees) if assignees else None
        if assignees and not row["assigned_to"]:
            row["assigned_to"] = assignees[-1]
        if body.get("save_rules"):
            row["status"] = site.tasks.switched_status(row["status"], row["due_date"])
        rows.append(row)
    try:
        site.store.insert_many(rows)
    except Exception as exc:  # sqlite3.IntegrityError on a duplicate id
        raise ControlError(f"insert failed: {exc}") from None
    return [r["name"] for r in rows]


def task(site, req, body, name: str):
    row = site.store.get(cint(name, -1))
    if req.method == "DELETE":
        if row is None or not site.store.delete(row["name"]):
            raise ControlError(f"no task {name}", 404)
        return {"ok": True}
    if row is None:
        raise ControlError(f"no task {name}", 404)
    return _raw(row)


def late_switch(site, req, body):
    if req.method == "POST":
        try:
            site.late_switch.configure(body.get("enabled"), body.get("interval_seconds"))
        except ValueError as exc:
            raise ControlError(str(exc)) from None
    return site.late_switch.state()


def cost_model(site, req, body):
    """`{"enabled": bool, "scale": N}`: what a real site's answers cost (standin/frappe/cost.py)."""
    if req.method == "POST":
        try:
            site.cost.configure(body.get("enabled"), body.get("scale"))
        except (TypeError, ValueError) as exc:
            raise ControlError(str(exc)) from None
    return site.cost.state()


def late_switch_run(site, req, body):
    return {"switched": site.late_switch.run()}


def users(site, req, body):
    if req.method == "POST":
        items = body.get("users", [body] if "name" in body else [])
        for item in items:
            site.users.upsert(item, site.timestamp())
    return {
        "users": [
            {
                "name": u.name,
                "email": u.email,
                "full_name": u.full_name,
                "roles": u.roles,
                "api_key": u.api_key,
                "enabled": u.enabled,
            }
            for u in site.users.users.values()
        ]
    }


def user_keys(site, req, body, name: str):
    user = site.users.get(name)
    if user is None:
        raise ControlError(f"no user {name}", 404)
    if body.get("api_key") and body.get("api_secret"):
        user.api_key, user.api_secret = body["api_key"], body["api_secret"]
    else:
        site.users.generate_keys(user)
    return {"user": user.name, "api_key": user.api_key, "api_secret": user.api_secret}


def user_session(site, req, body, name: str):
    """A cookie session for a user without a password: `{"sid": ...}`."""
    user = site.users.get(name)
    if user is None:
        raise ControlError(f"no user {name}", 404)
    return {"sid": site.users.start_session(user, site.timestamp())}


def user_doc(site, req, body, name: str):
    user = site.users.get(name)
    if user is None:
        raise ControlError(f"no user {name}", 404)
    return user_document(user, site.clock.time_zone)


def oauth_clients(site, req, body):
    if req.method == "POST":
        for item in body.get("clients", [body] if "client_id" in body else []):
            site.oauth.add_client(item)
    return {"clients": site.oauth.client_list()}


def webhooks(site, req, body):
    if req.method == "POST":
        items = body.get("webhooks", [body] if "url" in body else [])
        try:
            for item in items:
                check_webhook(f"site {site.name!r}", item)
        except ConfigError as exc:
            raise ControlError(str(exc)) from None
        site.webhooks.add(items, replace=bool(body.get("replace")))
    return {"webhooks": site.webhooks.hooks}


def webhook_deliveries(site, req, body):
    return {"deliveries": site.webhooks.deliveries()}


def site_config(site, req, body):
    if req.method == "POST":
        if "time_zone" in body:
            try:
                site.set_time_zone(body["time_zone"])
            except Exception as exc:  # an unknown zone
                raise ControlError(f"unknown time zone {body['time_zone']!r}") from exc
        for key in ("host_name", "domains"):
            if key in body:
                site.site_config[key] = body[key]
    return {**site.site_config, "time_zone": site.clock.time_zone}


def reset(site, req, body):
    site.reset()
    return info(site, req, body)


def seed_tasks(site, req, body):
    return {"names": site.seed(cint(body.get("size"), 0), cint(body.get("seed"), 1))}


ROUTES = {
    "": info,
    "/": info,
    "/info": info,
    "/clock": clock,
    "/log": log,
    "/log/clear": log_clear,
    "/faults": faults,
    "/faults/clear": faults_clear,
    "/tasks": tasks,
    "/late-switch": late_switch,
    "/late-switch/run": late_switch_run,
    "/cost-model": cost_model,
    "/users": users,
    "/oauth-clients": oauth_clients,
    "/webhooks": webhooks,
    "/webhooks/deliveries": webhook_deliveries,
    "/site-config": site_config,
    "/reset": reset,
    "/seed": seed_tasks,
}
USER_ACTIONS = {"keys": user_keys, "session": user_session, "": user_doc}


def handle(site, req: Request, sub: str) -> Response:
    try:
        body = _body(req)
        if sub in ROUTES:
            return json_response(ROUTES[sub](site, req, body))
        if sub.startswith("/tasks/"):
            return json_response(task(site, req, body, sub[len("/tasks/") :]))
        if sub.startswith("/users/"):
            name, _, action = sub[len("/users/") :].partition("/")
            if action in USER_ACTIONS:
                return json_response(USER_ACTIONS[action](site, req, body, name))
        raise ControlError(f"no control endpoint {sub!r}", 404)
    except ControlError as exc:
        return json_response({"error": str(exc)}, exc.status)
    except Exception as exc:  # keep the control API answering whatever a test sends
        return json_response({"error": f"{type(exc).__name__}: {exc}"}, 500)
