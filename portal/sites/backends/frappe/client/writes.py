"""What the client sends on writes, and the assignees it reports after one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import InputRefused
from ..models import Assignee
from .parse import site_datetime

_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,60}$")
_DATETIME_FIELDS = ("start_date", "due_date")


def write_body(fields: dict[str, Any], *, zone: ZoneInfo) -> dict[str, Any]:
    """Task fields as the site takes them: plain field names, dates as site-local strings
    (malformed ones refused: the site would answer 500 [023]), assignees as user ids."""
    body: dict[str, Any] = {}
    for key, value in fields.items():
        if not _FIELD_NAME.match(key) or key in ("name", "task_id", "doctype"):
            raise InputRefused(f"Unsupported task field: {key[:40]!r}.")
        if key in _DATETIME_FIELDS and value is not None:
            value = site_datetime(value, zone, field=key)
        if key == "assigned_to_list":
            if isinstance(value, str) or not all(isinstance(v, str) and v for v in value):
                raise InputRefused("assigned_to_list is a list of site user ids.")
            value = list(value)
        body[key] = value
    return body


def requested_assignees(body: dict[str, Any]) -> list[str] | None:
    """The user ids a write assigns, or None when it does not touch assignments."""
    if "assigned_to_list" in body:
        return list(body["assigned_to_list"])
    if "assigned_to" in body:
        return [body["assigned_to"]] if body["assigned_to"] else []
    return None


def named_assignees(ids: Sequence[str], answered: Sequence[Assignee]) -> tuple[Assignee, ...]:
    """The requested user ids, with the email and full name the answer gave for each. The answer
    names people by email, which is not always the id (``Administrator`` [012]); one id left
    over with one answered person left over are the same user."""
    by_email = {a.email.lower(): a for a in answered if a.email}
    matched = {i: by_email[i.lower()] for i in ids if i.lower() in by_email}
    spare_ids = [i for i in ids if i not in matched]
    spare = [a for a in answered if a not in matched.values()]
    if len(spare_ids) == 1 and len(spare) == 1:
        matched[spare_ids[0]] = spare[0]
    return tuple(
        Assignee(
            user_id=i,
            email=matched[i].email if i in matched else (i if "@" in i else None),
            full_name=matched[i].full_name if i in matched else None,
        )
        for i in ids
    )


def single_assignee(body: dict[str, Any]) -> dict[str, Any]:
    """Plain and documented sites have one ``assigned_to``, no ``assigned_to_list``."""
    out = dict(body)
    if "assigned_to_list" in out:
        ids = out.pop("assigned_to_list")
        if len(ids) > 1:
            raise InputRefused("This site takes one assignee per task.")
        out["assigned_to"] = ids[0] if ids else None
    return out
