"""The Tasks API: list with totals and filters, create, detail, PUT/PATCH, delete, kanban,
comments and attachments, with the USER visibility rules [114-122, 144-148]."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

from standin.djangocrm import render
from standin.djangocrm.auth import Credential
from standin.djangocrm.state import (
    PRIORITIES,
    STATUSES,
    Attachment,
    Comment,
    Profile,
    State,
    Task,
    new_id,
)

NO_TASK = {"detail": "No such task."}
FORBIDDEN = {"detail": "You do not have Permission to perform this action"}
BAD_DATE = ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]
REQUIRED = ["This field is required."]
COLUMNS = (("New", "#3B82F6", "open"), ("In Progress", "#F59E0B", "in_progress"),
           ("Completed", "#22C55E", "completed"))  # fmt: skip


def is_uuid(text) -> bool:
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


def _is_date(text) -> bool:
    if not isinstance(text, str) or len(text) != 10:
        return False  # a datetime or "" is refused too [049, 050]
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def id_list(value) -> list:
    """A list field as sent: JSON, or a JSON-encoded string in a form body [039]."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    return list(value) if isinstance(value, list) else []


def visible(state: State, cred: Credential, task: Task) -> bool:
    """An ADMIN sees the org's tasks; a USER those they created or are assigned to; team
    membership does not count [147, 148]."""
    p = cred.profile
    return p.is_admin or task.created_by is p.user or p.id in task.assigned


def find(state: State, cred: Credential, task_id: str) -> tuple[Task | None, tuple | None]:
    task = state.tasks.get(task_id)
    if task is None or task.org is not cred.org:
        return None, (404, NO_TASK)  # another org's task is not there at all [123-126]
    if not visible(state, cred, task):
        return None, (403, FORBIDDEN)
    return task, None


def _overdue(task: Task, today: date) -> bool:
    return task.status != "Completed" and task.due_date is not None and task.due_date < str(today)


def totals(rows: list[Task], today: date) -> dict:
    """Counts over the filtered rows; all but ``count`` over open ones only [054, 138]."""
    open_rows = [t for t in rows if t.status != "Completed"]
    week_end = today + timedelta(days=6 - today.weekday())
    return {
        "count": len(rows),
        "open": len(open_rows),
        "overdue": sum(_overdue(t, today) for t in open_rows),
        "due_today": sum(t.due_date == str(today) for t in open_rows),
        "due_this_week": sum(
            bool(t.due_date) and str(today) <= t.due_date <= str(week_end) for t in open_rows
        ),  # fmt: skip
        "no_due_date": sum(t.due_date is None for t in open_rows),
        "unassigned": sum(not t.assigned for t in open_rows),
    }


def _user_choices(state: State, cred: Credential) -> list[dict]:
    """A USER is offered only the org's admins [114]."""
    people = [p for p in state.members(cred.org) if cred.profile.is_admin or p.is_admin]
    return [{"id": p.id, "user__email": p.user.email} for p in people]


def _filter(state: State, rows: list[Task], query: dict) -> tuple[list[Task] | None, dict]:
    for key in ("assigned_to", "account"):
        for value in query.get(key, []):
            if not is_uuid(value):
                return None, {key: [f"'{value}' is not a valid id."]}  # no "error" key [065]
    for key in ("due_date__gte", "due_date__lte", "created_at__gte", "created_at__lte"):
        for value in query.get(key, []):
            if not _is_date(value):
                return None, {key: [f"'{value}' is not a valid date. Use YYYY-MM-DD."]}
    statuses = [s for s in query.get("status", []) if s in STATUSES]  # unknown: dropped [059]
    if statuses:
        rows = [t for t in rows if t.status in statuses]
    if query.get("priority"):
        rows = [t for t in rows if t.priority in query["priority"]]
    for text in query.get("title", []) + query.get("search", []):
        rows = [t for t in rows if text.lower() in t.title.lower()]
    for value in query.get("assigned_to", []):
        rows = [t for t in rows if value in t.assigned]
    for value in query.get("account", []):
        rows = [t for t in rows if t.account == value]
    for value in query.get("due_date__gte", []):
        rows = [t for t in rows if t.due_date and t.due_date >= value]
    for value in query.get("due_date__lte", []):
        rows = [t for t in rows if t.due_date and t.due_date <= value]
    for value in query.get("created_at__gte", []):
        rows = [t for t in rows if str(t.created_at.astimezone(t.org.zone).date()) >= value]
    for value in query.get("created_at__lte", []):
        rows = [t for t in rows if str(t.created_at.astimezone(t.org.zone).date()) <= value]
    return rows, {}


def listing(state: State, cred: Credential, query: dict) -> tuple[int, dict]:
    org = cred.org
    rows = [t for t in state.tasks.values() if t.org is org and visible(state, cred, t)]
    rows.sort(key=lambda t: t.id, reverse=True)  # by UUID, not by date [054]
    rows, errors = _filter(state, rows, query)
    if rows is None:
        return 400, errors
    limit = int((query.get("limit") or ["10"])[0])
    offset = int((query.get("offset") or ["0"])[0])
    page = rows[offset : offset + limit]
    # The next page's offset; null on the last page, 0 on an empty page [072-075].
    following = offset + limit if offset + limit < len(rows) else (None if page else 0)
    answer = {
        "totals": totals(rows, state.today(org)),
        "tasks_count": len(rows),
        "offset": following,
        "tasks": [render.row(state, t) for t in page],
        "status": [[s, s] for s in STATUSES],
        "priority": [[p, p] for p in PRIORITIES],
        "users": _user_choices(state, cred),
    }
    if query.get("slim") != ["true"]:  # the two catalogues [054, 055]
        accounts = sorted((a for a in state.accounts.values() if a.org is org),
                          key=lambda a: a.created_at, reverse=True)  # fmt: skip
        contacts = [c for c in state.contacts.values() if c.org is org]
        answer["accounts_list"] = [render.account(state, a) for a in accounts]
        answer["contacts_list"] = [render.contact(c) for c in contacts]
    return 200, answer


def _validate(state: State, cred: Credential, body: dict, *, partial: bool) -> dict:
    """DRF's serializer errors, in field order [040-051, 087, 091-093]."""
    errors: dict[str, list[str]] = {}
    if not partial and not body.get("title"):
        errors["title"] = REQUIRED
    for key, choices in (("status", STATUSES), ("priority", PRIORITIES)):
        if key in body:
            if body[key] not in choices:
                errors[key] = [f'"{body[key]}" is not a valid choice.']
        elif not partial:
            errors[key] = REQUIRED
    if body.get("due_date") is not None and not _is_date(body["due_date"]):
        errors["due_date"] = BAD_DATE
    account = body.get("account")
    if account:
        known = state.accounts.get(str(account))
        if known is None or known.org is not cred.org:
            errors["account"] = [f'Invalid pk "{account}" - object does not exist.']
    return errors


def _relations(state: State, cred: Credential, task: Task, body: dict) -> tuple | None:
    """Teams, contacts and assignees, set after the task is saved: another org's ids are
    dropped silently [052], a non-UUID answers 400 with the task already saved [053]."""
    org = cred.org
    if "teams" in body:
        task.teams = [
            t for t in id_list(body["teams"]) if getattr(state.teams.get(t), "org", None) is org
        ]
    if "contacts" in body:
        task.contacts = [c for c in id_list(body["contacts"])
                         if getattr(state.contacts.get(c), "org", None) is org]  # fmt: skip
    if "assigned_to" in body:
        wanted = id_list(body["assigned_to"])
        bad = [p for p in wanted if not is_uuid(p)]
        if bad:
            return 400, {"assigned_to": [f"'{bad[0]}' is not a valid id."]}
        task.assigned = [p for p in wanted if getattr(state.profiles.get(p), "org", None) is org]
    return None


def create(state: State, cred: Credential, body: dict) -> tuple[int, dict]:
    errors = _validate(state, cred, body, partial=False)
    if errors:
        return 400, {"error": True, "errors": errors}
    task = Task(new_id(), cred.org, body["title"], body["status"], body["priority"],
                body.get("due_date"), body.get("description"), cred.user, state.now(),
                account=body.get("account") or None)  # fmt: skip
    state.tasks[task.id] = task
    state.log(cred.org, cred.user, "CREATE", task)
    return _relations(state, cred, task, body) or (
        200, {"error": False, "message": "Task Created Successfully"})  # fmt: skip


def update(state: State, cred: Credential, task: Task, body: dict, *, partial: bool):
    """PUT replaces the whole task, clearing what is not sent [088, 089]; PATCH edits [090]."""
    errors = _validate(state, cred, body, partial=partial)
    if errors:
        return 400, {"error": True, "errors": errors}
    if not partial:
        task.description, task.due_date, task.account = None, None, None
        task.teams, task.contacts, task.assigned = [], [], []
    for key in ("title", "status", "priority", "due_date", "description"):
        if key in body:
            setattr(task, key, body[key])
    if "account" in body:
        task.account = body["account"] or None
    state.log(cred.org, cred.user, "UPDATE", task)
    return _relations(state, cred, task, body) or (
        200, {"error": False, "message": "Task updated Successfully"})  # fmt: skip


def delete(state: State, cred: Credential, task: Task) -> tuple[int, dict]:
    """Only an admin or the creator deletes; an assignee may edit but not delete [119]."""
    if not cred.profile.is_admin and task.created_by is not cred.user:
        return 403, FORBIDDEN
    del state.tasks[task.id]
    state.log(cred.org, cred.user, "DELETE", task)
    return 200, {"error": False, "message": "Task deleted Successfully"}


def _by_newest(profiles: list[Profile]) -> list[Profile]:
    return sorted(profiles, key=lambda p: p.created_at, reverse=True)


def detail(state: State, cred: Credential, task: Task) -> dict:
    """The detail answer [083]; a USER's mention list names the admins only [116]."""
    members = state.members(task.org)
    if not cred.profile.is_admin:
        members = [p for p in members if p.is_admin]  # a USER is shown the admins only [116]
    in_teams = {p for t in task.teams if t in state.teams for p in state.teams[t].members}
    key = "user__email" if cred.profile.is_admin else "username"
    mention = [{key: p.user.email} for p in _by_newest(members)]
    comments = sorted((c for c in state.comments.values() if c.task is task), key=lambda c: c.at)
    files = sorted((a for a in state.attachments.values() if a.task is task), key=lambda a: a.at)
    zone = task.org.zone
    return {
        "task_obj": render.task_obj(state, task),
        "attachments": [
            {
                "id": a.id,
                "created_by": a.by.id,
                "file_name": a.file_name,
                "created_at": render.instant(a.at, zone),
                "file_path": f"/media/attachments/{a.at:%Y/%m}/{a.file_name}",
                "content_type": "task",
                "object_id": task.id,
                "org": task.org.id,
            }
            for a in files
        ],
        "comments": [
            {
                "id": c.id,
                "comment": c.text,
                "commented_on": render.instant(c.at, zone),
                "commented_by": {
                    "id": c.by.id,
                    "user_details": {"email": c.by.user.email, "profile_pic": None},
                },
                "content_type": "task",
                "object_id": task.id,
                "org": task.org.id,
                "is_internal": False,
            }
            for c in comments
        ],
        "users_mention": mention,
        "assigned_data": [
            {"id": p, "user__email": state.profiles[p].user.email}
            for p in task.assigned
            if p in state.profiles
        ],  # fmt: skip
        "custom_field_definitions": [],
        "users": [render.profile(p) for p in members],
        "users_excluding_team": [
            render.profile(p) for p in _by_newest(members) if p.id not in in_teams
        ],  # fmt: skip
        "teams": [render.team(state, t) for t in state.teams.values() if t.org is task.org],
    }


def add_to(state: State, cred: Credential, task: Task, body: dict, files: dict) -> dict:
    """POST to a task adds a comment and/or an attachment, then answers the detail [102-105]."""
    if body.get("comment"):
        c = Comment(new_id(), task, str(body["comment"]), cred.profile, state.now())
        state.comments[c.id] = c
    upload = files.get("task_attachment")
    if upload:
        a = Attachment(new_id(), task, upload, cred.user, state.now())
        state.attachments[a.id] = a
    full = detail(state, cred, task)
    return {key: full[key] for key in ("task_obj", "attachments", "comments")}  # [102]


def edit_comment(state: State, cred: Credential, comment_id: str, body: dict, method: str):
    comment = state.comments.get(comment_id)
    if comment is None or comment.task.org is not cred.org:
        return 404, {"detail": "No such comment."}
    if not cred.profile.is_admin and comment.by is not cred.profile:
        return 403, {"error": True, "errors": "You don't have Permission to perform this action"}
    if method == "DELETE":
        del state.comments[comment_id]
        return 200, {"error": False, "message": "Comment Deleted Successfully"}
    text = body.get("comment")
    if not text:
        return 400, {"error": True, "errors": {"comment": ["This field may not be blank."]}}
    comment.text = str(text)
    # PUT and PATCH answer different words for the same edit [107, 108].
    return 200, {"error": False, "message": "Comment Submitted" if method == "PUT"
                 else "Comment Updated"}  # fmt: skip


def delete_attachment(state: State, cred: Credential, attachment_id: str):
    att = state.attachments.get(attachment_id)
    if att is None or att.task.org is not cred.org:
        return 404, {"detail": "No such attachment."}
    if not cred.profile.is_admin and att.by is not cred.user:
        return 403, {"error": True, "errors": "You don't have Permission to perform this action"}
    del state.attachments[attachment_id]
    return 200, {"error": False, "message": "Attachment Deleted Successfully"}


def move(state: State, cred: Credential, task: Task, body: dict) -> tuple[int, dict]:
    """The kanban move: a status change that puts the card last in its column [099]."""
    status = body.get("status")
    if status not in STATUSES:
        return 400, {"error": True, "errors": {"status": [f'"{status}" is not a valid choice.']}}
    others = [t.kanban_order for t in state.tasks.values()
              if t.org is task.org and t.status == status and t is not task]  # fmt: skip
    task.status = status
    task.kanban_order = max(others, default=0.0) + 1000.0
    state.log(cred.org, cred.user, "UPDATE", task)
    today = state.today(task.org)
    return 200, {"error": False, "message": "Task moved successfully",
                 "task": render.card(state, task, _overdue(task, today))}  # fmt: skip


def kanban(state: State, cred: Credential) -> dict:
    """Columns by status; cards by kanban order, newest first within one order [101, 143]."""
    today = state.today(cred.org)
    rows = [t for t in state.tasks.values() if t.org is cred.org and visible(state, cred, t)]
    rows.sort(key=lambda t: (t.kanban_order, -t.created_at.timestamp()))
    columns = []
    for order, (status, color, stage) in enumerate(COLUMNS, start=1):
        cards = [render.card(state, t, _overdue(t, today)) for t in rows if t.status == status]
        columns.append({"id": status, "name": status, "order": order, "color": color,
                        "stage_type": stage, "is_status_column": True, "wip_limit": None,
                        "task_count": len(cards), "tasks": cards})  # fmt: skip
    return {"mode": "status", "pipeline": None, "columns": columns, "total_tasks": len(rows)}
