"""Frappe's generic REST API for CRM Task, and the few other documents a
client reads: `/api/resource/<doctype>[/<name>]`.

Lists are ordered by id unless `order_by` is given [068], paged with
`limit_start` / `limit_page_length` [203], filtered with Frappe's semantics
(see query.py). Reading needs read permission on CRM Task [078].
"""

from __future__ import annotations

import json

from standin.frappe import errors
from standin.frappe.api.common import cint
from standin.frappe.api.shapes import resource_doc
from standin.frappe.httpio import Request
from standin.frappe.query import parse_fields, parse_filters, parse_order_by
from standin.frappe.users import user_document
from standin.httpio import Response, json_response

GUEST = "Guest"


def require_task_read(user) -> None:
    if user is None or not user.can_write_tasks():
        raise errors.no_read_permission(user.name if user else GUEST)


def list_rows(site, args: dict) -> list[dict]:
    fields = parse_fields(args.get("fields"))
    where = parse_filters(args.get("filters"))
    order = parse_order_by(args.get("order_by"), "name asc") if args.get("order_by") else "name asc"
    start = cint(args.get("limit_start", args.get("start", 0)), 0)
    length = cint(args.get("limit_page_length", args.get("limit", args.get("page_length", 20))), 20)
    rows = site.store.select(
        fields,
        where.sql,
        where.params,
        order,
        limit=length if length > 0 else None,
        offset=max(start, 0),
    )
    return [{f: r.get(f) for f in fields} for r in rows]


def _task_body(req: Request) -> dict:
    data = req.json_body()
    if data is None:
        data = req.form
        if "data" in data:
            data = json.loads(data["data"])
    return data if isinstance(data, dict) else {}


def crm_task(site, req: Request, name: str | None) -> Response:
    user = req.user
    if req.method == "GET":
        require_task_read(user)
        if name is None:
            rows = list_rows(site, req.query)
            req.rows = len(rows)
            return json_response({"data": rows})
        row = site.store.get(cint(name, -1))
        if row is None:
            raise errors.not_found("CRM Task", name)
        return json_response({"data": resource_doc(row, site.flavour.has_task_type)})
    if user is None:
        raise errors.no_read_permission(GUEST)
    # Writes through the generic API: how a plain Frappe CRM site is used.
    if req.method == "POST" and name is None:
        result = site.tasks.create(user, _task_body(req), source=False)
        return json_response({"data": resource_doc(result.row, site.flavour.has_task_type)})
    if req.method in ("PUT", "PATCH") and name is not None:
        result = site.tasks.update(user, cint(name, -1), _task_body(req), source=False)
        return json_response({"data": resource_doc(result.row, site.flavour.has_task_type)})
    if req.method == "DELETE" and name is not None:
        if site.store.get(cint(name, -1)) is None:
            raise errors.not_found("CRM Task", name)
        site.tasks.delete(user, name)
        return json_response({"message": "ok"})
    raise errors.FrappeError(
        405,
        "ValidationError",
        f"frappe.exceptions.ValidationError: {req.method} is not allowed here",
    )


def user_doc(site, req: Request, name: str | None) -> Response:
    """A User document [179]: System Managers, or the user themself."""
    user = req.user
    target = site.users.get(name) if name else None
    if user is None or not (
        user.is_admin
        or "System Manager" in user.roles
        or (target is not None and target.name == user.name)
    ):
        raise errors.no_read_permission(user.name if user else GUEST, "User")
    if target is None:
        raise errors.not_found("User", name)
    return json_response({"data": user_document(target, site.clock.time_zone)})


def oauth_provider_settings(site, req: Request, name: str | None) -> Response:
    """Install-time values of the crm app [118] (`idx` really is a string there)."""
    if req.user is None or not (req.user.is_admin or "System Manager" in req.user.roles):
        raise errors.no_read_permission(
            req.user.name if req.user else GUEST, "OAuth Provider Settings"
        )
    return json_response(
        {
            "data": {
                "name": "OAuth Provider Settings",
                "owner": "Administrator",
                "modified": site.started_at,
                "modified_by": "Administrator",
                "docstatus": 0,
                "idx": "0",
                "skip_authorization": "Force",
                "doctype": "OAuth Provider Settings",
            }
        }
    )


def webhook_log(site, req: Request, name: str | None) -> Response:
    """`Webhook Request Log` rows for the deliveries made so far [199]."""
    if req.user is None or not (req.user.is_admin or "System Manager" in req.user.roles):
        raise errors.no_read_permission(req.user.name if req.user else GUEST, "Webhook Request Log")
    rows = site.webhooks.request_log()
    args = req.query
    fields = json.loads(args["fields"]) if args.get("fields") else ["name"]
    length = cint(args.get("limit_page_length", 20), 20)
    rows = rows[:length] if length > 0 else rows
    return json_response({"data": [{f: r.get(f) for f in fields} for r in rows]})


DOCTYPES = {
    "CRM Task": crm_task,
    "User": user_doc,
    "OAuth Provider Settings": oauth_provider_settings,
    "Webhook Request Log": webhook_log,
}


def handle(site, req: Request, rest: str) -> Response:
    doctype, _, name = rest.partition("/")
    handler = DOCTYPES.get(doctype)
    if handler is None:
        raise errors.not_found("DocType", doctype)
    return handler(site, req, name or None)
