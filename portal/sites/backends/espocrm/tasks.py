"""EspoCRM Task records in the portal's words, and the portal's changes in EspoCRM's.

- Statuses ``Not Started`` (the default), ``Started``, ``Completed``, ``Canceled``,
  ``Deferred`` [041, 109]. **Deferred counts as finished, like Canceled**: EspoCRM lists it among
  the "not actual" options [109] and leaves it out of its own overdue rule (``isOverdue``: past
  ``dateEnd`` and not Completed, Canceled or Deferred [085]), so a deferred task is never
  overdue, never reminded and not open in the portal. (The built-in ``primaryFilter=overdue``
  alone counts Deferred as overdue [087]; the portal never uses it.)
- Priorities ``Low``, ``Normal`` (default), ``High``, ``Urgent`` [041, 044, 076]. ``Task.priority``
  keeps the site's value, so Urgent is never lost (filters and writes send it as it is); on the
  portal's three-step scale ``PORTAL_PRIORITY`` reads Normal as medium and Urgent as high, above
  High (``PRIORITY_ORDER``).
- Datetimes are UTC ``YYYY-MM-DD HH:MM:SS`` whatever the user's zone [160, 162]. An all-day
  task carries ``dateEndDate`` (``dateStartDate``) and the server sets ``dateEnd`` to 00:00 of
  the next day [042, 159]: such a task is a day (``Task.due_is_day``) due all that day on the
  site's calendar, overdue only once it is over there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import UnexpectedAnswer
from ..types import MAX_DESCRIPTION, MAX_SHORT, MAX_TITLE, Assignee, PortalStatus, Task

STATUSES = ("Not Started", "Started", "Completed", "Canceled", "Deferred")
OPEN = ("Not Started", "Started")
FINISHED = ("Completed", "Canceled", "Deferred")  # "not actual" [109]
PRIORITIES = ("Low", "Normal", "High", "Urgent")
PORTAL_STATUS: dict[str, PortalStatus] = {
    "Not Started": "open",
    "Started": "in_progress",
    "Completed": "done",
    "Canceled": "cancelled",
    "Deferred": "cancelled",  # set aside: finished for the portal (see the docstring)
}
PORTAL_PRIORITY = {"Low": "low", "Normal": "medium", "High": "high", "Urgent": "high"}
PRIORITY_ORDER = ("Urgent", "High", "Normal", "Low")  # most pressing first
MAX_NAME = 255  # the site refuses longer names [061]
WIRE = "%Y-%m-%d %H:%M:%S"


def portal_status(value: str | None) -> PortalStatus:
    """Unknown (customised) values count as open: better a reminder too many."""
    return PORTAL_STATUS.get(value or "", "open")


def parse_moment(value: Any, zone: ZoneInfo) -> datetime | None:
    """A UTC wire datetime as an aware datetime in ``zone`` [160]."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.strptime(value[:19], WIRE)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).astimezone(zone)


def parse_day(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), zone)


def wire(moment: datetime, zone: ZoneInfo) -> str:
    """A datetime for the site: naive ones are on the site's clock; sent as UTC [063, 160]."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return aware.astimezone(UTC).strftime(WIRE)


def _text(value: Any, limit: int) -> str | None:
    return str(value)[:limit] if value is not None else None


def parse_task(row: Mapping[str, Any], *, zone: ZoneInfo, site: str | None) -> Task:
    if not isinstance(row, Mapping) or not isinstance(row.get("id"), str) or not row["id"]:
        raise UnexpectedAnswer("A task without an id came back.", site=site)
    end_day = parse_day(row.get("dateEndDate"))
    start_day = parse_day(row.get("dateStartDate"))
    if end_day is not None:
        # All day: due all that day on the site's calendar, whatever zone the server used to
        # derive ``dateEnd`` [042, 159].
        due = day_start(end_day + timedelta(days=1), zone)
    else:
        due = parse_moment(row.get("dateEnd"), zone)
    start = day_start(start_day, zone) if start_day else parse_moment(row.get("dateStart"), zone)
    assignee = row.get("assignedUserId")
    people: tuple[Assignee, ...] = ()
    if isinstance(assignee, str) and assignee:
        name = row.get("assignedUserName")
        people = (
            Assignee(
                user_id=assignee[:MAX_SHORT],
                full_name=name[:MAX_SHORT] if isinstance(name, str) else None,
            ),
        )
    created = parse_moment(row.get("createdAt"), zone)
    status = _text(row.get("status"), MAX_SHORT) or ""
    owner = row.get("createdById")
    return Task(
        id=row["id"][:64],
        title=_text(row.get("name"), MAX_TITLE) or "",
        description=_text(row.get("description"), MAX_DESCRIPTION),
        status=status,
        portal_status=portal_status(status),
        priority=_text(row.get("priority"), MAX_SHORT),
        task_type=None,
        start_date=start,
        due_date=due,
        assignees=people,
        modified=parse_moment(row.get("modifiedAt"), zone) or created,
        creation=created,
        owner=owner[:MAX_SHORT] if isinstance(owner, str) else None,
        time_zone=zone.key,
        site=site,
        # No ``extra``: the task page lists it as the site's own fields (``due_is_day`` says
        # all day; ``EspoBackend.portal_priority`` ranks the priority).
        due_is_day=end_day is not None,
    )
