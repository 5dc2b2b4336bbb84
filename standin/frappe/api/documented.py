"""`crm.api.mobile_api` as the published v2.0 reference describes it.

Used by `documented` sites (`../shared/seeds/000_3695ad62518f2468.txt`), so the
portal can be tested against the form it must still accept: statuses
Open/In Progress/Completed/Cancelled, `title` required, `limit`+`offset`,
`{"message": {"data": [...]}}`, 400 for bad values, 404 for a missing task, a
plain message from delete_task, and priorities sorted High, Medium, Low.
"""

from __future__ import annotations

import json

from standin.frappe.api.common import as_list, cint, day_bounds, in_clause
from standin.frappe.httpio import Request, message
from standin.frappe.query import Where, normalise_datetime
from standin.frappe.tasks import InvalidOption
from standin.httpio import Response, json_response

_PRIORITY_ORDER = "CASE priority WHEN 'High' THEN 0 WHEN 'Medium' THEN 1 ELSE 2 END"


class DocumentedError(Exception):
    """The reference's error body: `exception`, `exc_type`, `_server_messages`."""

    def __init__(self, status: int, exc_type: str, text: str) -> None:
        super().__init__(text)
        self.status, self.exc_type, self.text = status, exc_type, text

    def response(self) -> Response:
        body = {
            "exception": self.text,
            "exc_type": self.exc_type,
            "_server_messages": json.dumps([{"message": self.text, "title": self.exc_type}]),
        }
        return json_response(body, self.status)


def _bad(text: str) -> DocumentedError:
    return DocumentedError(400, "ValidationError", text)


def _short_date(value):
    if value and value.endswith(" 00:00:00"):
        return value[:10]
    return value


def task_view(row: dict, *, with_description: bool = False) -> dict:
    out = {
        "name": row["name"],
        "title": row.get("title") or "",
        "status": row.get("status"),
        "priority": row.get("priority"),
        "start_date": _short_date(row.get("start_date")),
        "modified": row.get("modified"),
    }
    if row.get("due_date"):
        out["due_date"] = row["due_date"]
    if row.get("assigned_to"):
        out["assigned_to"] = row["assigned_to"]
    if with_description and row.get("description"):
        out["description"] = row["description"]
    return out


def _check_values(site, args: dict) -> None:
    for key in ("start_date", "due_date"):
        if args.get(key) and normalise_datetime(args[key]) is None:
            raise _bad(f"Invalid {key}: use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS")
    try:
        site.tasks.check_selects(args)
    except InvalidOption as exc:
        label = "status" if exc.fieldname == "status" else exc.fieldname
        raise _bad(f"Invalid {label} value. Must be one of: {', '.join(exc.options)}") from None
    if args.get("assigned_to") and site.users.get(args["assigned_to"]) is None:
        raise _bad(f"Invalid assigned_to: unknown user {args['assigned_to']}")


def _guard(func):
    def wrapper(site, req: Request) -> Response:
        try:
            if req.user is not None and not req.user.can_write_tasks() and func in _WRITES:
                raise DocumentedError(
                    403, "PermissionError", "You don't have permission to access this resource"
                )
            return func(site, req)
        except DocumentedError as exc:
            return exc.response()

    return wrapper


def _task_row(site, args: dict) -> dict:
    task_id = args.get("task_id")
    if task_id in (None, ""):
        raise _bad("task_id is required")
    try:
        row = site.store.get(int(task_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise DocumentedError(404, "DoesNotExistError", f"CRM Task {task_id} not found")
    return row


def create_task(site, req: Request) -> Response:
    args = dict(req.args)
    if not args.get("title"):
        raise _bad("Title is required")
    args.setdefault("assigned_to", req.user.name)  # "Default: current user"
    _check_values(site, args)
    result = site.tasks.create(req.user, args)
    return message(task_view(result.row))


def edit_task(site, req: Request) -> Response:
    args = req.args
    row = _task_row(site, args)
    _check_values(site, args)
    result = site.tasks.update(req.user, row["name"], args)
    return message(task_view(result.row))


def update_status(site, req: Request) -> Response:
    args = req.args
    row = _task_row(site, args)
    if not args.get("status"):
        raise _bad("status is required")
    _check_values(site, {"status": args["status"]})
    result = site.tasks.update(req.user, row["name"], {"status": args["status"]})
    return message(task_view(result.row))


def delete_task(site, req: Request) -> Response:
    row = _task_row(site, req.args)
    site.tasks.delete(req.user, row["name"])
    return message(f"Task {row['name']} deleted successfully")


def filter_tasks(site, req: Request) -> Response:
    args = req.args
    where = Where()
    if args.get("date_from"):
        where.add("start_date >= ?", normalise_datetime(args["date_from"]) or args["date_from"])
    if args.get("date_to"):
        end = normalise_datetime(args["date_to"]) or args["date_to"]
        if len(str(args["date_to"]).strip()) == 10:
            end = end[:10] + " 23:59:59.999999"  # the reference means the whole day
        where.add("start_date <= ?", end)
    for arg, col in (("importance", "priority"), ("status", "status")):
        values = as_list(args.get(arg))
        if values:
            clause, params = in_clause(col, values)
            where.add(clause, *params)
    limit = cint(args.get("limit"), 50) or 50
    offset = max(cint(args.get("offset"), 0), 0)
    rows = site.store.select(
        where=where.sql, params=where.params, order_by="modified desc", limit=limit, offset=offset
    )
    req.rows = len(rows)
    return message({"data": [task_view(r, with_description=True) for r in rows]})


def _sorted_rows(site, where: str, params, limit: int) -> list[dict]:
    rows = site.store.select(
        where=where,
        params=params,
        order_by=f"{_PRIORITY_ORDER}, creation asc",
        limit=limit if limit > 0 else None,
    )
    return [task_view(r) for r in rows]


def home_tasks(site, req: Request) -> Response:
    limit = cint(req.args.get("limit", 5), 5)
    start, end = day_bounds(site)
    today = _sorted_rows(site, "start_date >= ? AND start_date < ?", (start, end), limit)
    req.rows = len(today)
    return message({"today": today, "limit": limit})


def main_page_buckets(site, req: Request) -> Response:
    min_each = cint(req.args.get("min_each", 5), 5)
    start, end = day_bounds(site)
    now = site.now_text()
    done = list(site.flavour.closed_statuses)
    marks = ", ".join("?" * len(done))
    # "late": due_date < now OR (start_date < today AND not completed)
    late_where = (
        f"status NOT IN ({marks}) AND ((due_date IS NOT NULL AND due_date < ?) OR start_date < ?)"
    )
    buckets = {
        "today": _sorted_rows(site, "start_date >= ? AND start_date < ?", (start, end), min_each),
        "late": _sorted_rows(site, late_where, (*done, now, start), min_each),
        "upcoming": _sorted_rows(site, "start_date >= ?", (end,), min_each),
    }
    req.rows = sum(len(rows) for rows in buckets.values())
    return message({**buckets, "min_each": min_each})


_WRITES = (create_task, edit_task, update_status, delete_task)
METHODS = {
    name: (_guard(func), False)
    for name, func in (
        ("create_task", create_task),
        ("edit_task", edit_task),
        ("update_status", update_status),
        ("delete_task", delete_task),
        ("filter_tasks", filter_tasks),
        ("home_tasks", home_tasks),
        ("main_page_buckets", main_page_buckets),
    )
}
