"""Which fields of a write the site's answer does not show.

What is compared is what the client sent: site values, naive site-local datetimes, and
``assigned_to_list`` / ``assigned_to`` user ids. A 200 whose answer lacks a field is a refusal
(a real CRM site answers In Progress on an overdue task with ``"status": "late"``); the portal
turns the differences into words (``portal.sites.write_outcome``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..base import Unapplied
from .buckets import portal_status
from .models import Task

_TAG = re.compile(r"<[^>]{0,500}>")
_SPACE = re.compile(r"\s+")
_CHOICE_FIELDS = ("priority", "task_type")
_SHOWN_CHARS = 60
SITE_KEEPS_LATE = "late"


def unapplied_fields(*, asked: Mapping[str, Any], answer: Task) -> tuple[Unapplied, ...]:
    """The fields of ``asked`` (as the client sends them: site values, naive site-local
    datetimes, ``assigned_to_list`` / ``assigned_to`` user ids) that ``answer`` does not show."""
    found: list[Unapplied] = []
    for name, wanted in asked.items():
        if name == "status":
            if not _same_status(wanted, answer.status):
                found.append(Unapplied(name, _shown(wanted), _shown(answer.status)))
        elif name in _CHOICE_FIELDS:
            got = getattr(answer, name)
            if _folded(wanted) != _folded(got):
                found.append(Unapplied(name, _shown(wanted), _shown(got)))
        elif name == "title":
            # Sites store markup escaped (``<script>`` comes back as ``&lt;script&gt;``).
            if _plain(wanted) != _plain(answer.title):
                found.append(Unapplied(name, _shown(wanted), _shown(answer.title)))
        elif name == "description":
            # A text editor field: the site may wrap paragraphs or strip attributes.
            if _text_of(wanted) != _text_of(answer.description):
                found.append(Unapplied(name, _shown(wanted), _shown(answer.description)))
        elif name in ("start_date", "due_date"):
            got = getattr(answer, name)
            zone = ZoneInfo(answer.time_zone)
            if _moment(wanted, zone) != _moment(got, zone):
                found.append(Unapplied(name, _shown(wanted), _shown(got)))
        elif name in ("assigned_to_list", "assigned_to"):
            ids = list(wanted) if name == "assigned_to_list" else ([wanted] if wanted else [])
            if not _same_people(ids, answer):
                answered = [a.user_id or a.email or "" for a in answer.assignees]
                found.append(Unapplied("assignees", ", ".join(ids), ", ".join(answered)))
    return tuple(found)


def kept_overdue(differences: tuple[Unapplied, ...]) -> bool:
    """The site answered ``late`` instead of the status asked for: its rule for overdue tasks,
    not a passing failure."""
    return any(d.field == "status" and _folded(d.answered) == SITE_KEEPS_LATE for d in differences)


def _same_status(asked: Any, answered: str | None) -> bool:
    """The value asked for, or ``late`` for an open one: the site's own mark of an open task
    whose due date has passed (reopening a finished overdue task gives ``late``). ``late`` for
    In Progress or Canceled is the refusal."""
    if _folded(asked) == _folded(answered):
        return True
    return _folded(answered) == SITE_KEEPS_LATE and portal_status(str(asked)) == "open"


def _folded(value: Any) -> str:
    return "" if value is None else str(value).strip().casefold()


def _plain(value: Any) -> str:
    return html.unescape("" if value is None else str(value)).strip()


def _text_of(value: Any) -> str:
    text = _TAG.sub(" ", "" if value is None else str(value))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def _moment(value: Any, zone: ZoneInfo) -> datetime | None:
    """Both sides as naive site-local datetimes to the second (the answer is aware, in the
    site's zone; what was sent is the site-local text)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        local = value.astimezone(zone) if value.tzinfo else value
        return local.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=None, microsecond=0)


def _same_people(ids: list[str], answer: Task) -> bool:
    people = list(answer.assignees)
    if len({i.casefold() for i in ids}) != len(people):
        return False
    return all(any(person.is_user(i) for person in people) for i in ids)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.strftime("%Y-%m-%d %H:%M")
    text = _SPACE.sub(" ", str(value)).strip()
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
