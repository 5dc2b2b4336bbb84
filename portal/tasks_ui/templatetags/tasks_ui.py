"""Display helpers: dates on the reader's clock and numbers in the reader's language."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop

from portal.sites import reading
from portal.sites.backends.base import due_day_of
from portal.tasks_ui import labels

# Source strings only; each filter translates the one it needs (gettext per value, not per
# label: a page calls these for every row). Status labels are in portal/tasks_ui/labels.py.
_BUCKET = {
    "overdue": gettext_noop("Overdue"),
    "late": gettext_noop("Late"),
    "today": gettext_noop("Today"),
    "upcoming": gettext_noop("Upcoming"),
}

register = template.Library()


@register.filter
def sitetime(value: datetime | None) -> str:
    """A task's date and time, on the reader's clock (``portal.sites.reading``: every time on
    a page is in the zone its header names). Plain text, for sentences; a cell uses
    ``{{ value|when:task.time_zone }}``, which also shows the site's own clock on hover."""
    if not value:
        return ""
    return reading.moment_text(value)


def due_day(task) -> date | None:
    """The day a task is due when its site keeps a plain date (``Task.due_is_day``, Django-CRM).
    The task holds it as the moment it turns overdue, 00:00 of the day after (in the site's
    zone): shown as that moment, a task due on the 4th would read "due the 5th"."""
    return due_day_of(task) if task.due_is_day else None


@register.filter
def due_iso(task) -> str:
    """The ``datetime`` attribute of a task's due ``<time>``: the day, or the moment."""
    day = due_day(task)
    return day.isoformat() if day else (task.due_date.isoformat() if task.due_date else "")


@register.filter
def due_text(task) -> str:
    """A task's due date: a day alone (a day has no zone), or a date and time on the reader's
    clock."""
    day = due_day(task)
    return reading.day_text(day) if day else sitetime(task.due_date)


@register.filter
def due_html(task) -> SafeString:
    """A task's due ``<time>``: the day, or the moment on the reader's clock with the site's
    on hover."""
    day = due_day(task)
    if day is None:
        return reading.time_html(task.due_date, task.time_zone)
    return format_html('<time datetime="{}">{}</time>', day.isoformat(), reading.day_text(day))


@register.filter
def siteday(value: datetime | None) -> str:
    """The day of a moment, on the reader's clock."""
    if not value:
        return ""
    return reading.day_text(timezone.localtime(value).date())


@register.filter
def num(value: int | float | None) -> str:
    """A count or a share, grouped in the reader's language, in Western digits on every page
    (why: ``portal.sites.reading``)."""
    if value is None:
        return ""
    return formats.number_format(value, force_grouping=True)


@register.filter
def status_label(value: str) -> str:
    return labels.status_label(value)


@register.filter
def bucket_label(value: str | None) -> str:
    return gettext(_BUCKET[value]) if value in _BUCKET else ""


@register.filter
def priority_class(value: str | None) -> str:
    return {
        "urgent": "prio-urgent",
        "high": "prio-high",
        "medium": "prio-medium",
        "normal": "prio-medium",
        "low": "prio-low",
    }.get((value or "").lower(), "prio-other")


@register.filter
def site_word(value: str | None) -> str:
    """A site's priority, status or task type in the reader's language (``labels.site_word``);
    templates put the site's own word in a ``title`` beside it."""
    return labels.site_word(value)


# The portal's statuses in English, to tell whether a site's own status says more ("late").
_PORTAL_WORDS = {
    "open": "open",
    "in_progress": "in progress",
    "done": "done",
    "cancelled": "cancelled",
}


@register.filter
def says_portal_status(site_status: str | None, portal_status: str) -> bool:
    """Whether the site's status is just the portal's word (nothing more to show beside it)."""
    return (site_status or "").casefold() == _PORTAL_WORDS.get(portal_status, portal_status)
