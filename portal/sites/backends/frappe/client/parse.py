"""Frappe JSON → typed values, and typed values → what a site accepts.

Datetimes on a site are naive strings in the site's zone (``YYYY-MM-DD HH:MM:SS``, ``modified``
with microseconds, a date-only ``start_date`` echoed as sent [011, 242]); they become aware
datetimes in that zone, and go back as naive site-local strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..buckets import portal_status
from ..errors import InputRefused, UnexpectedAnswer
from ..models import (
    MAX_DESCRIPTION,
    MAX_EXTRA_KEYS,
    MAX_SHORT,
    MAX_TITLE,
    Assignee,
    Task,
    Vocabulary,
)

_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?$")
_ORDER_FIELDS = "name|title|status|priority|task_type|start_date|due_date|modified|creation"
_ORDER = re.compile(rf"^(?:{_ORDER_FIELDS})(?: (?:asc|desc))?$", re.IGNORECASE)
_MAPPED = {
    "name", "title", "description", "status", "priority", "task_type", "start_date", "due_date",
    "assigned_to", "_assign", "modified", "creation", "owner", "doctype", "docstatus", "idx",
}  # fmt: skip
_MAX_ASSIGNEES = 50


def bounded(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text[:limit]


def parse_datetime(value: Any, zone: ZoneInfo) -> datetime | None:
    """A site datetime (naive, site-local) as an aware datetime in the site's zone."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=zone)
    return parsed.astimezone(zone)


def site_datetime(value: Any, zone: ZoneInfo, *, field: str) -> str:
    """What to send for a datetime field. Malformed dates make the site answer 500 [023], so
    they are refused here. Aware datetimes are converted to the site's zone; naive ones are taken
    as site-local already."""
    if isinstance(value, datetime):
        local = value.astimezone(zone) if value.tzinfo else value
        return local.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and _DATE_TEXT.match(value.strip()):
        try:
            datetime.fromisoformat(value.strip())
            return value.strip().replace("T", " ")
        except ValueError:
            pass
    raise InputRefused(f"{field} is not a valid date or datetime: {str(value)[:40]!r}.")


def site_date(value: Any, *, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputRefused(f"{field} is not a valid date: {str(value)[:40]!r}.")


def day_start(day: date) -> str:
    return f"{day.isoformat()} 00:00:00"


def next_day(day: date) -> date:
    return day + timedelta(days=1)


def order_by(value: str | None) -> str | None:
    """Only plain "field [asc|desc]" lists: anything else can make the site answer 500 [031]."""
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",")]
    if not parts or not all(_ORDER.match(p) for p in parts):
        raise InputRefused(f"Unsupported order: {value[:60]!r}.")
    return ", ".join(parts)


def comma_list(values: Iterable[str], *, field: str) -> str | None:
    items = [str(v) for v in values]
    if any("," in v for v in items):
        raise InputRefused(f"A {field} value may not contain a comma.")
    return ",".join(items) or None


def task_id(value: Any) -> int:
    """The portal's task id (a string) as the number a Frappe site names its tasks by."""
    if isinstance(value, bool) or not str(value).strip().isascii():
        raise InputRefused("A task id is a positive integer.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InputRefused(f"A task id is a positive integer, not {str(value)[:20]!r}.") from None
    if number <= 0:
        raise InputRefused("A task id is a positive integer.")
    return number


# --- answers -----------------------------------------------------------------------------


def parse_task(raw: Any, *, zone: ZoneInfo, site: str | None) -> Task:
    """One task from any answer: mobile_api full or compact, documented, or /api/resource."""
    if not isinstance(raw, Mapping) or "name" not in raw:
        raise UnexpectedAnswer("A task in the answer has no id.", site=site)
    try:
        ident = int(raw["name"])
    except (TypeError, ValueError):
        raise UnexpectedAnswer("A task id in the answer is not a number.", site=site) from None
    status = bounded(raw.get("status"), MAX_SHORT) or ""
    return Task(
        id=str(ident),
        title=bounded(raw.get("title"), MAX_TITLE) or "",
        description=bounded(raw.get("description"), MAX_DESCRIPTION),
        status=status,
        portal_status=portal_status(status),
        priority=bounded(raw.get("priority"), MAX_SHORT),
        task_type=bounded(raw.get("task_type"), MAX_SHORT),
        start_date=parse_datetime(raw.get("start_date"), zone),
        due_date=parse_datetime(raw.get("due_date"), zone),
        assignees=parse_assignees(raw),
        modified=parse_datetime(raw.get("modified"), zone),
        creation=parse_datetime(raw.get("creation"), zone),
        owner=bounded(raw.get("owner"), MAX_SHORT),
        time_zone=zone.key,
        site=site,
        # The crm app's own overdue marker [010, 243]: the task stays open, and overdue.
        site_says_overdue=status.strip().lower() == "late",
        extra=_extra(raw),
    )


def parse_assignees(raw: Mapping[str, Any]) -> tuple[Assignee, ...]:
    """``_assign`` (a JSON list of user ids, generic list answers [236]) wins; else mobile_api's
    ``assigned_to`` list of {email, name=full name} [012], or a single user id (the generic
    single-document answer [237], the documented flavour)."""
    if "_assign" in raw:
        ids = raw.get("_assign")
        try:
            ids = json.loads(ids) if isinstance(ids, str) else ids
        except ValueError:
            ids = []
        return tuple(_from_user_id(i) for i in (ids or [])[:_MAX_ASSIGNEES] if isinstance(i, str))
    value = raw.get("assigned_to")
    if isinstance(value, str) and value:
        return (_from_user_id(value),)
    out = []
    for item in value[:_MAX_ASSIGNEES] if isinstance(value, list) else []:
        if isinstance(item, str):
            out.append(_from_user_id(item))
        elif isinstance(item, Mapping) and (item.get("email") or item.get("name")):
            out.append(
                Assignee(
                    user_id=None,
                    email=bounded(item.get("email"), MAX_SHORT),
                    full_name=bounded(item.get("name"), MAX_SHORT),
                )
            )
    return tuple(out)


def _from_user_id(user_id: str) -> Assignee:
    user_id = user_id[:MAX_SHORT]
    return Assignee(user_id=user_id, email=user_id if "@" in user_id else None)


def _extra(raw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _MAPPED or not isinstance(key, str) or len(out) >= MAX_EXTRA_KEYS:
            continue
        if isinstance(value, str):
            out[key[:64]] = value[:MAX_SHORT]
        elif _small(value):
            out[key[:64]] = value
    return out


def _small(value: Any) -> bool:
    if value is None or isinstance(value, bool | int | float):
        return True
    return len(json.dumps(value, default=str)) <= 1000


def message_of(body: Any, *, site: str | None) -> Any:
    """``/api/method`` answers wrap everything in ``message``."""
    if not isinstance(body, Mapping) or "message" not in body:
        raise UnexpectedAnswer("The answer has no 'message'.", site=site)
    return body["message"]


def data_of(body: Any, *, site: str | None) -> Any:
    """``/api/resource`` answers wrap everything in ``data``."""
    if not isinstance(body, Mapping) or "data" not in body:
        raise UnexpectedAnswer("The answer has no 'data'.", site=site)
    return body["data"]


def task_list(rows: Any, *, zone: ZoneInfo, site: str | None) -> list[Task]:
    if not isinstance(rows, list):
        raise UnexpectedAnswer("Expected a list of tasks.", site=site)
    return [parse_task(row, zone=zone, site=site) for row in rows]


def filter_envelope(message: Any, *, site: str | None) -> tuple[list[Any], dict[str, Any], str]:
    """filter_tasks answers: deployed ``{message:{message:{data,page,page_size,total,has_next}}}``
    [026, 206]; documented ``{message:{data:[...]}}`` (seeds/000). Returns rows, paging, flavour."""
    if isinstance(message, Mapping) and isinstance(message.get("message"), Mapping):
        inner = message["message"]
        if isinstance(inner.get("data"), list):
            return inner["data"], dict(inner), "deployed"
    if isinstance(message, Mapping) and isinstance(message.get("data"), list):
        return message["data"], dict(message), "documented"
    if isinstance(message, list):
        return message, {}, "documented"
    raise UnexpectedAnswer("filter_tasks answered in an unknown shape.", site=site)


def vocabulary_from_meta(data: Any, *, site: str | None) -> Vocabulary:
    """Select options are newline-separated in the doctype meta [200]."""
    fields = data.get("fields") if isinstance(data, Mapping) else None
    if not isinstance(fields, list):
        raise UnexpectedAnswer("The doctype meta has no fields.", site=site)

    def options(name: str) -> tuple[str, ...]:
        for f in fields:
            if isinstance(f, Mapping) and f.get("fieldname") == name:
                raw = f.get("options") or ""
                return tuple(o.strip()[:MAX_SHORT] for o in str(raw).split("\n") if o.strip())
        return ()

    return Vocabulary(
        statuses=options("status"),
        priorities=options("priority"),
        task_types=options("task_type"),
    )
