"""`crm.api.mobile_api` as deployed (the recordings), not as documented.

Reads ignore permissions [071-073]; writes need a CRM role [074-077]. Every
endpoint takes GET or POST [047]; unknown parameters are dropped.
"""

from __future__ import annotations

from standin.frappe import errors
from standin.frappe.api.common import as_list, cint, day_bounds, in_clause
from standin.frappe.api.shapes import compact_task, full_task
from standin.frappe.httpio import Request, message
from standin.frappe.query import Where, normalise_datetime, parse_order_by
from standin.httpio import Response

PREFIX = "crm.api.mobile_api."


def _task_id(args: dict):
    task_id = args.get("task_id", args.get("name"))
    if task_id in (None, ""):
        raise errors.validation_error("Task ID is required")
    return task_id


def _int_id(task_id):
    try:
        return int(task_id)
    except (TypeError, ValueError):
        raise errors.not_found("CRM Task", task_id) from None


def _assign_arg(args: dict) -> list[str] | None:
    return as_list(args["assigned_to_list"]) if "assigned_to_list" in args else None


def create_task(site, req: Request) -> Response:
    args = req.args
    if not args.get("task_type"):
        # Checked by mobile_api before any insert: no id is used [014, 015].
        raise errors.validation_error("Task Type is required")
    result = site.tasks.create(
        req.user, args, assign_to=_assign_arg(args), notice_double_assign=True
    )
    extra = {"_server_messages": errors.server_messages(result.messages)} if result.messages else {}
    return message(full_task(site, result.doc, result.assignees), **extra)


def edit_task(site, req: Request) -> Response:
    args = req.args
    name = _int_id(_task_id(args))
    result = site.tasks.update(req.user, name, args, assign_to=_assign_arg(args))
    return message(full_task(site, result.doc, result.assignees))


def update_status(site, req: Request) -> Response:
    args = req.args
    task_id = _task_id(args)
    if args.get("status") in (None, ""):
        raise errors.validation_error("Status is required")
    result = site.tasks.update(req.user, _int_id(task_id), {"status": args["status"]})
    return message(compact_task(site, result.row))


def delete_task(site, req: Request) -> Response:
    task_id = _task_id(req.args)
    site.tasks.delete(req.user, task_id)
    return message({"ok": True, "message": f"Task {task_id} deleted successfully"})


def _date_arg(site, value, column="start_date") -> str:
    stored = normalise_datetime(value)
    if stored is None:
        text = (
            f"Incorrect datetime value: '{value}' for column `{site.db_name}`."
            f"`tabCRM Task`.`{column}` at row 1"
        )
        raise errors.db_error(1292, text)
    return stored


def filter_tasks(site, req: Request) -> Response:
    args = req.args
    where = Where()
    if args.get("date_from"):
        where.add("start_date >= ?", _date_arg(site, args["date_from"]))
    if args.get("date_to"):
        # `<= 'D'` is `<= D 00:00:00`: later times that day are left out [234].
        where.add("start_date <= ?", _date_arg(site, args["date_to"]))
    for arg, col in (("importance", "priority"), ("status", "status")):
        values = as_list(args.get(arg))
        if values:
            # Unknown options are not errors: they match nothing [029, 030].
            clause, params = in_clause(col, values)
            where.add(clause, *params)
    order = parse_order_by(args.get("order_by"), "modified desc")
    limit = cint(args.get("limit"), 20) or 20
    page = max(cint(args.get("page"), 1), 1)  # `offset` is ignored [207]
    total = site.store.count(where.sql, where.params)
    rows = site.store.select(
        where=where.sql, params=where.params, order_by=order, limit=limit, offset=(page - 1) * limit
    )
    data = [compact_task(site, r) for r in rows]
    req.rows = len(data)
    payload = {
        "data": data,
        "page": page,
        "page_size": limit,
        "total": total,
        "has_next": page * limit < total,
    }
    return message({"message": payload})


def _today(site, limit: int) -> list[dict]:
    start, end = day_bounds(site)
    # "priority desc" sorts the text: Medium, Low, High [024, 233].
    rows = site.store.select(
        where="start_date >= ? AND start_date < ?",
        params=(start, end),
        order_by="priority desc, modified desc",
        limit=limit if limit > 0 else None,
    )
    return [full_task(site, r) for r in rows]


def home_tasks(site, req: Request) -> Response:
    limit = cint(req.args.get("limit", 5), 5)
    today = _today(site, limit)
    req.rows = len(today)
    return message({"today": today, "limit": limit})


def main_page_buckets(site, req: Request) -> Response:
    min_each = cint(req.args.get("min_each", 5), 5)  # a maximum per bucket [209]
    limit = min_each if min_each > 0 else None
    start, end = day_bounds(site)
    open_sql, open_params = in_clause("status", list(site.flavour.open_statuses))
    # The late bucket ignores due_date; tasks already switched to `late` leave it [230].
    late = site.store.select(
        where=f"start_date < ? AND {open_sql}",
        params=(start, *open_params),
        order_by="start_date asc, name asc",
        limit=limit,
    )
    upcoming = site.store.select(
        where="start_date >= ?", params=(end,), order_by="start_date asc, name asc", limit=limit
    )
    buckets = {
        "today": _today(site, min_each),
        "late": [full_task(site, r) for r in late],
        "upcoming": [full_task(site, r) for r in upcoming],
    }
    req.rows = sum(len(rows) for rows in buckets.values())  # one document load per row
    return message({**buckets, "min_each": min_each})


def get_current_user_role(site, req: Request) -> Response:
    user = req.user
    roles = user.all_roles()
    role = next((r for r in ("System Manager", "Sales Manager", "Sales User") if r in roles), None)
    return message({"role": role, "roles": roles, "user": user.name, "full_name": user.full_name})


def get_oauth_config(site, req: Request) -> Response:
    """A hint for mobile apps, only for the site's configured domains [113, 175, 176]."""
    domain = req.host.rsplit(":", 1)[0] if not req.host.startswith("[") else req.host
    if domain not in (site.site_config.get("domains") or []):
        raise errors.validation_error(
            f"Access denied: The domain '{domain}' is not configured for this site. "
            f"Please use a valid domain for site '{site.name}'."
        )
    mobile = site.mobile_client
    return message(
        {
            "client_id": mobile["client_id"],
            "scope": mobile["scope"],
            "redirect_uri": mobile["redirect_uri"],
        }
    )


METHODS = {
    "create_task": (create_task, False),
    "edit_task": (edit_task, False),
    "update_task": (edit_task, False),
    "update_status": (update_status, False),
    "delete_task": (delete_task, False),
    "filter_tasks": (filter_tasks, False),
    "home_tasks": (home_tasks, False),
    "main_page_buckets": (main_page_buckets, False),
    "get_current_user_role": (get_current_user_role, False),
    "get_oauth_config": (get_oauth_config, True),
}
