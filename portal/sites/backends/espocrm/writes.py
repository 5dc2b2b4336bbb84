"""The portal's changes as an EspoCRM Task body, checked before sending, and the site's answer
checked against them.

- ``name`` is at most 255 characters [061]; only the site's own statuses and priorities are
  sent (others are a 400 [053, 054, 116, 117]); unknown attributes would be ignored in silence
  [058], so a task type is refused here.
- One assignee, ``assignedUserId`` [041]: a second would be dropped.
- Dates go as UTC ``YYYY-MM-DD HH:MM:SS`` [063]. A start after the end is **accepted** by the
  site [057]: refused here. A due datetime clears ``dateEndDate`` (the all-day form [121]) and a
  start clears ``dateStartDate``, so the task is no longer all-day.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..base import TaskChanges, Unapplied
from ..errors import InputRefused
from ..types import Task, Vocabulary
from .tasks import MAX_NAME, wire


def _aware(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def changes_body(
    changes: TaskChanges, *, vocabulary: Vocabulary, zone: ZoneInfo, current: Task | None = None
) -> dict[str, Any]:
    given = changes.given()
    body: dict[str, Any] = {}
    if "title" in given:
        title = (given["title"] or "").strip()
        if not title:
            raise InputRefused("A title is required.")
        if len(title) > MAX_NAME:
            raise InputRefused(f"EspoCRM titles are at most {MAX_NAME} characters.")
        body["name"] = title
    if "description" in given:
        body["description"] = given["description"] or None
    if "status" in given:
        if given["status"] not in vocabulary.statuses:
            raise InputRefused(f"{str(given['status'])[:40]!r} is not a status of this site.")
        body["status"] = given["status"]
    if "priority" in given:
        if given["priority"] not in vocabulary.priorities:
            raise InputRefused(f"{str(given['priority'])[:40]!r} is not a priority of this site.")
        body["priority"] = given["priority"]
    if given.get("task_type"):
        raise InputRefused("EspoCRM tasks have no task type.")
    if "assignees" in given:
        people = [p for p in given["assignees"] if p]
        if len(people) > 1:
            raise InputRefused("An EspoCRM task has one assignee.")
        if not people:
            raise InputRefused("EspoCRM needs an assignee for every task: choose who it is for.")
        body["assignedUserId"] = people[0]
    if "start" in given:
        body["dateStart"] = wire(given["start"], zone) if given["start"] else None
        body["dateStartDate"] = None
    if "due" in given:
        body["dateEnd"] = wire(given["due"], zone) if given["due"] else None
        body["dateEndDate"] = None
    start = (
        _aware(given["start"], zone)
        if "start" in given
        else (current.start_date if current else None)
    )
    due = _aware(given["due"], zone) if "due" in given else (current.due_date if current else None)
    if start is not None and due is not None and start > due:
        raise InputRefused("The start is after the due date: EspoCRM would keep it so [057].")
    return body


def _instant(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def unapplied(asked: TaskChanges, answer: Task, *, zone: ZoneInfo) -> tuple[Unapplied, ...]:
    found: list[Unapplied] = []
    names = {
        "title": "title",
        "description": "description",
        "status": "status",
        "priority": "priority",
    }
    for name, wanted in asked.given().items():
        if name in names:
            want = (wanted or "").strip() if isinstance(wanted, str) else (wanted or "")
            got = (getattr(answer, name) or "").strip()
            if want != got:
                found.append(Unapplied(name, str(want)[:60], got[:60]))
        elif name in ("start", "due"):
            want = _instant(_aware(wanted, zone))
            got = _instant(answer.start_date if name == "start" else answer.due_date)
            if want != got:
                label = "start_date" if name == "start" else "due_date"
                found.append(Unapplied(label, want, got))
        elif name == "assignees":
            have = sorted(a.user_id or "" for a in answer.assignees)
            if sorted(wanted) != have:
                found.append(Unapplied("assignees", ", ".join(wanted), ", ".join(have)))
    return tuple(found)
