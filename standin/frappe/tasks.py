"""CRM Task writes shared by every API surface: validation, defaults, ids, the
switch to `late` on save, and assignments.

Order of checks on insert, as the recordings show: permission (no id used
[074]), then an id from the sequence, then Select options (id used [016-022]),
then dates (the database refuses a malformed one, id used [023]).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from standin.frappe import errors
from standin.frappe.query import normalise_datetime

WRITABLE = (
    "task_type",
    "title",
    "priority",
    "start_date",
    "due_date",
    "description",
    "status",
    "assigned_to",
    "reference_doctype",
    "reference_docname",
)
LABELS = {"task_type": "Task Type", "priority": "Priority", "status": "Status"}


class InvalidOption(Exception):
    def __init__(self, fieldname: str, value: object, options: tuple[str, ...]) -> None:
        super().__init__(fieldname)
        self.fieldname, self.value, self.options = fieldname, value, options

    def frappe_error(self, *, source: bool = True) -> errors.FrappeError:
        """Frappe's message, leading space included [016, 020, 021]."""
        allowed = ", ".join(f'"{o}"' for o in self.options)
        text = f' {LABELS[self.fieldname]} cannot be "{self.value}". It should be one of {allowed}'
        return errors.validation_error(text, source=source)


@dataclass
class WriteResult:
    row: dict  # the stored row after the write
    doc: dict  # the in-memory document the answer is built from (raw values echoed)
    assignees: list[str] = field(default_factory=list)  # user ids for the answer
    messages: list[dict] = field(default_factory=list)  # `_server_messages` of a 200 [235]


def assign_list(row: dict) -> list[str]:
    try:
        return list(json.loads(row.get("_assign") or "[]"))
    except ValueError:
        return []


class TaskService:
    def __init__(self, site) -> None:
        self.site = site

    # -- validation -----------------------------------------------------------
    def check_selects(self, values: dict) -> None:
        for fieldname, options in self.site.select_options().items():
            value = values.get(fieldname)
            if value is not None and value != "" and str(value) not in options:
                raise InvalidOption(fieldname, value, options)

    def _stored_date(self, fieldname: str, value, source: bool):
        if value in (None, ""):
            return None
        stored = normalise_datetime(value)
        if stored is None:
            text = (
                f"Incorrect datetime value: '{value}' for column `{self.site.db_name}`."
                f"`tabCRM Task`.`{fieldname}` at row 1"
            )
            raise errors.db_error(1292, text, source=source)
        return stored

    def _check_user_link(self, user_id) -> None:
        if user_id and self.site.users.get(user_id) is None:
            text = f"Could not find Assigned To: {user_id}"
            raise errors.FrappeError(
                417,
                "LinkValidationError",
                f"frappe.exceptions.LinkValidationError: {text}",
                [errors.thrown_message(text)],
            )

    def switched_status(self, status, due_stored) -> object:
        """A past due date turns a task `late` on save [010, 220, 243], whatever status was
        asked for except Done: Canceled included (the validate hook of a real site)."""
        flavour = self.site.flavour
        if not flavour.late_status or not due_stored or status in flavour.late_exempt:
            return status
        if due_stored < self.site.now_text():
            return flavour.late_status
        return status

    # -- writes ---------------------------------------------------------------
    def create(
        self,
        user,
        data: dict,
        *,
        assign_to: list[str] | None = None,
        notice_double_assign: bool = False,
        source: bool = True,
    ) -> WriteResult:
        if not user.can_write_tasks():
            raise errors.no_write_permission(user.name, "create")
        for uid in assign_to or []:
            if self.site.users.get(uid) is None:
                raise errors.not_found("User", uid)
        site = self.site
        name = site.next_id()  # a refused insert still uses its id [013-023]
        doc = {k: data[k] for k in WRITABLE if data.get(k) not in (None, "")}
        doc.setdefault("priority", "Medium")
        doc.setdefault("start_date", site.today())
        doc.setdefault("reference_doctype", "CRM Lead")
        doc.setdefault("status", site.flavour.default_status)
        try:
            self.check_selects(doc)
        except InvalidOption as exc:
            raise exc.frappe_error(source=source) from None
        start = self._stored_date("start_date", doc.get("start_date"), source)
        due = self._stored_date("due_date", doc.get("due_date"), source)
        self._check_user_link(doc.get("assigned_to"))
        doc["status"] = self.switched_status(doc["status"], due)
        now = site.timestamp()
        row = {
            **{k: doc.get(k) for k in WRITABLE},
            "name": name,
            "owner": user.name,
            "modified_by": user.name,
            "creation": now,
            "modified": now,
            "docstatus": 0,
            "idx": 0,
            "has_reminder": 0,
            "start_date": start,
            "due_date": due,
            "_assign": None,
        }
        row["assigned_to"] = row["assigned_to"] or None
        site.store.insert(row)
        result = WriteResult(row=row, doc={**row, **doc})
        site.fire("after_insert", row)
        if row["assigned_to"]:
            # The doctype's hook assigns `assigned_to`; mobile_api then assigns
            # again and Frappe says so in a 200 [235, 247].
            self._set_assign(name, [row["assigned_to"]], row["assigned_to"], bump=False)
            if notice_double_assign:
                result.messages.append(
                    errors.plain_message(
                        f"Already in the following Users ToDo list:<br><br>{row['assigned_to']}"
                    )
                )
        if assign_to:
            current = assign_list(site.store.get(name))
            added = [u for u in dict.fromkeys(assign_to) if u not in current]
            self._set_assign(name, current + added, (added or current)[-1], bump=True)
        result.row = site.store.get(name)
        result.assignees = assign_list(result.row) or (
            [row["assigned_to"]] if row["assigned_to"] else []
        )
        site.fire("on_update", result.row)
        return result

    def _set_assign(self, name: int, users: list[str], field_user, bump: bool) -> None:
        changes = {"_assign": json.dumps(users) if users else None, "assigned_to": field_user}
        if bump:
            # The assignment hook saves the task again: `modified` moves [012 vs 024].
            changes["modified"] = self.site.timestamp()
        self.site.store.update(name, changes)

    def update(
        self,
        user,
        name: int,
        data: dict,
        *,
        assign_to: list[str] | None = None,
        source: bool = True,
    ) -> WriteResult:
        site = self.site
        row = site.store.get(name)
        if row is None:
            raise errors.not_found("CRM Task", name)
        if not user.can_write_tasks():
            raise errors.no_write_permission(user.name, "write")
        for uid in assign_to or []:
            if site.users.get(uid) is None:
                raise errors.not_found("User", uid)
        given = {k: data[k] for k in WRITABLE if k in data}
        try:
            self.check_selects(given)
        except InvalidOption as exc:
            raise exc.frappe_error(source=source) from None
        changes = {k: (None if v == "" else v) for k, v in given.items()}
        for key in ("start_date", "due_date"):
            if key in changes:
                changes[key] = self._stored_date(key, changes[key], source)
        self._check_user_link(changes.get("assigned_to"))
        status = changes.get("status", row["status"]) or row["status"]
        due = changes["due_date"] if "due_date" in changes else row["due_date"]
        changes["status"] = self.switched_status(status, due)
        changes.update(modified=site.timestamp(), modified_by=user.name)
        site.store.update(name, changes)
        doc = {**row, **changes, **{k: v for k, v in given.items() if v not in ("", None)}}
        doc["status"] = changes["status"]
        before_field = doc.get("assigned_to")
        current = assign_list(row)
        if changes.get("assigned_to") and changes["assigned_to"] not in current:
            current.append(changes["assigned_to"])
            self._set_assign(name, current, changes["assigned_to"], bump=False)
        if assign_to is not None:
            self._replace_assign(name, current, list(dict.fromkeys(assign_to)), before_field)
        stored = site.store.get(name)
        assignees = assign_list(stored)
        if not assignees and before_field:
            # The answer is built from the document in memory, whose
            # `assigned_to` still names the previous assignee [251].
            assignees = [before_field]
        site.fire("on_update", stored)
        return WriteResult(row=stored, doc=doc, assignees=assignees)

    def _replace_assign(self, name: int, current: list[str], wanted: list[str], field_user) -> None:
        """`assigned_to_list` replaces the open assignments with that set [247-252]."""
        kept = [u for u in current if u in wanted]
        added = [u for u in wanted if u not in kept]
        users = kept + added
        if added:
            field_user = added[-1]
        elif field_user not in users:
            field_user = users[-1] if users else None
        self._set_assign(name, users, field_user, bump=True)

    def delete(self, user, raw_id) -> bool:
        """Deleting a missing task is not an error [049, 051]."""
        try:
            name = int(raw_id)
        except (TypeError, ValueError):
            return False
        row = self.site.store.get(name)
        if row is None:
            return False
        if not user.can_write_tasks():
            raise errors.no_delete_permission(user.name, raw_id)
        self.site.fire("on_trash", row)
        self.site.store.delete(name)
        self.site.fire("after_delete", row)
        return True
