"""How a task looks in each kind of answer.

- full (mobile_api create/edit, home_tasks, buckets): the document's non-null
  fields in doctype order, `description` always present and stripped of HTML,
  then `name`, timestamps, and `assigned_to` as a list of people, which replaces
  the `assigned_to` field in place when the field is set [007, 012, 021, 235].
- compact (filter_tasks, update_status): a fixed set; the title falls back to
  the raw description [026, 041].
- resource (/api/resource/CRM Task/<id>): Frappe's as_dict [053, 237].
"""

from __future__ import annotations

import json
import re

from standin.frappe.store import COLUMNS

_TAG = re.compile(r"<[^>]*>")
_FULL_FIELDS = (
    "task_type",
    "title",
    "priority",
    "start_date",
    "reference_doctype",
    "assigned_to",
    "status",
    "due_date",
)
# The doctype's own fields, in order, after Frappe's standard ones [237].
_RESOURCE_FIELDS = tuple(c for c in COLUMNS[COLUMNS.index("task_type") :] if c != "_assign")


def strip_html(text):
    if text is None:
        return None
    return _TAG.sub("", str(text)).strip()


def people(site, user_ids: list[str]) -> list[dict]:
    out = []
    for uid in user_ids:
        user = site.users.get(uid)
        out.append(user.assignee() if user else {"email": uid, "name": uid, "profile_pic": None})
    return out


def assignees_of(row: dict) -> list[str]:
    """Open assignments; the `assigned_to` field when there are none [251]."""
    try:
        users = list(json.loads(row.get("_assign") or "[]"))
    except ValueError:
        users = []
    if not users and row.get("assigned_to"):
        users = [row["assigned_to"]]
    return users


def full_task(site, doc: dict, assignees: list[str] | None = None) -> dict:
    out: dict = {}
    for key in _FULL_FIELDS:
        if doc.get(key) is not None:
            out[key] = doc[key]
    out["meeting_attendees"] = []
    out["description"] = strip_html(doc.get("description"))
    out["has_reminder"] = doc.get("has_reminder") or 0
    for key in ("name", "modified", "creation", "owner", "modified_by"):
        out[key] = doc.get(key)
    out["assigned_to"] = people(site, assignees if assignees is not None else assignees_of(doc))
    return out


def compact_task(site, row: dict) -> dict:
    title = row.get("title") or (row.get("description") or "")[:50]
    out = {
        "name": row["name"],
        "title": title,
        "status": row.get("status"),
        "priority": row.get("priority"),
        "start_date": row.get("start_date"),
        "modified": row.get("modified"),
    }
    if row.get("due_date"):
        out["due_date"] = row["due_date"]
    out["assigned_to"] = people(site, assignees_of(row))
    return out


def resource_doc(row: dict, has_task_type: bool = True) -> dict:
    out = {
        key: row.get(key)
        for key in ("name", "owner", "creation", "modified", "modified_by", "docstatus", "idx")
    }
    for key in _RESOURCE_FIELDS:
        if key == "task_type" and not has_task_type:
            continue
        if row.get(key) is not None:
            out[key] = row[key]
    out["doctype"] = "CRM Task"
    out["meeting_attendees"] = []
    return out
