"""Frappe-shaped error answers.

A real site answers errors with a JSON body whose keys and their order we copy
from the recordings: `exception`, `exc_type`, `_exc_source` (errors raised inside
the crm app), `exc` (a JSON list of traceback strings), `_server_messages` (a JSON
list of JSON strings) and sometimes `_error_message`. A 404 has no `exception`
[037, 046]; a login failure puts `message` first [005].
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field

CRM_SOURCE = "crm (app)"


def exc_id() -> str:
    """A random `__frappe_exc_id`, 56 hex characters like the real ones."""
    return secrets.token_hex(28)


def thrown_message(message: str, title: str = "Message") -> dict:
    """A message raised with frappe.throw: red, raise_exception, an exc id."""
    return {
        "message": message,
        "title": title,
        "indicator": "red",
        "raise_exception": 1,
        "__frappe_exc_id": exc_id(),
    }


def plain_message(message: str, title: str = "Message") -> dict:
    """A msgprint without raise (permission explanations, notices) [074, 235]."""
    return {"message": message, "title": title}


def server_messages(messages: list[dict]) -> str:
    return json.dumps([json.dumps(m) for m in messages])


def traceback_text(last_line: str) -> str:
    # A short, plausible traceback; the recordings keep only the last line.
    return (
        "Traceback (most recent call last):\n"
        '  File "apps/frappe/frappe/app.py", line 114, in application\n'
        "    response = frappe.api.handle(request)\n"
        f"{last_line}\n"
    )


@dataclass
class FrappeError(Exception):
    """An error answer; `body()` renders it in Frappe's key order."""

    status: int
    exc_type: str
    exception: str | None = None  # the last traceback line; None leaves the key out
    messages: list[dict] = field(default_factory=list)
    source: bool = False  # add "_exc_source": "crm (app)"
    error_message: str | None = None
    lead_message: str | None = None  # `message` key before everything else [005]
    with_exc: bool = True

    def body(self) -> dict:
        out: dict = {}
        if self.lead_message is not None:
            out["message"] = self.lead_message
        if self.exception is not None:
            out["exception"] = self.exception
        out["exc_type"] = self.exc_type
        if self.source:
            out["_exc_source"] = CRM_SOURCE
        if self.with_exc and self.exception is not None:
            out["exc"] = json.dumps([traceback_text(self.exception)])
        if self.messages:
            out["_server_messages"] = server_messages(self.messages)
        if self.error_message is not None:
            out["_error_message"] = self.error_message
        return out


def validation_error(message: str, *, source: bool = True, status: int = 417) -> FrappeError:
    return FrappeError(
        status,
        "ValidationError",
        f"frappe.exceptions.ValidationError: {message}",
        [thrown_message(message)],
        source=source,
    )


def not_found(doctype: str, name: object) -> FrappeError:
    """404 without `exception` [037, 046, 123]."""
    return FrappeError(
        404,
        "DoesNotExistError",
        None,
        [thrown_message(f"{doctype} {name} not found")],
        with_exc=False,
    )


def not_whitelisted(method: str) -> FrappeError:
    """403 for a guest calling a method that needs a login [001-003, 080, 210]."""
    text = (
        "<details><summary>You are not permitted to access this resource.</summary>"
        f"Function <strong>{method}</strong> is not whitelisted.</details>"
    )
    return FrappeError(
        403,
        "PermissionError",
        f"frappe.exceptions.PermissionError: {text}",
        [thrown_message(text, title="Method Not Allowed")],
    )


def doctype_access_text(user: str, doctype: str, *, document: bool) -> str:
    text = (
        f"User <strong>{user}</strong> does not have doctype access via role permission "
        f"for document <strong>{doctype}</strong>"
    )
    if document:
        text += f"<br>User <strong>{user}</strong> does not have access to this document"
    return text


def no_write_permission(user: str, ptype: str, doctype: str = "CRM Task") -> FrappeError:
    """403 for a create or write without a CRM role [074-076]."""
    return FrappeError(
        403,
        "PermissionError",
        "frappe.exceptions.PermissionError",
        [plain_message(doctype_access_text(user, doctype, document=True))],
        source=True,
        error_message=f"Insufficient Permission for {doctype} (<strong>{ptype}</strong>)",
    )


def no_delete_permission(user: str, name: object, doctype: str = "CRM Task") -> FrappeError:
    """403 for a delete without a CRM role [077]."""
    text = f"User not allowed to delete {doctype}: {name}"
    return FrappeError(
        403,
        "PermissionError",
        f"frappe.exceptions.PermissionError: {text}",
        [plain_message(doctype_access_text(user, doctype, document=True)), thrown_message(text)],
        source=True,
    )


def no_read_permission(user: str, doctype: str = "CRM Task") -> FrappeError:
    """403 for /api/resource without read permission [078]."""
    return FrappeError(
        403,
        "PermissionError",
        "frappe.exceptions.PermissionError",
        [plain_message(doctype_access_text(user, doctype, document=False))],
        error_message=f"No permission for {doctype}",
    )


def no_permission_for(doctype: str) -> FrappeError:
    """403 for get_single_value on a doctype the user may not read [205]."""
    text = f"No permission for {doctype}"
    return FrappeError(
        403,
        "PermissionError",
        f"frappe.exceptions.PermissionError: {text}",
        [thrown_message(text)],
    )


def authentication_error() -> FrappeError:
    """401 for a bad token, API key or Basic header [131, 184, 185, 188]."""
    return FrappeError(401, "AuthenticationError", "frappe.exceptions.AuthenticationError")


def invalid_login() -> FrappeError:
    """401 for a wrong password [005, 122]."""
    return FrappeError(
        401,
        "AuthenticationError",
        "frappe.exceptions.AuthenticationError",
        lead_message="Invalid login credentials",
    )


def failed_method(cmd: str, reason: str) -> FrappeError:
    """417 for an unknown method or module [245, 246]."""
    message = f"Failed to get method for command {cmd} with {reason}"
    return FrappeError(
        417,
        "ValidationError",
        f"frappe.exceptions.ValidationError: {message}",
        [thrown_message(message)],
    )


def db_error(code: int, text: str, *, source: bool = True) -> FrappeError:
    """500 from the database, as for a malformed date or order_by [023, 031]."""
    return FrappeError(
        500,
        "OperationalError",
        f'pymysql.err.OperationalError: ({code}, "{text}")',
        source=source,
    )
