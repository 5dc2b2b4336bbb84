"""Display helpers: dates on the site's clock and numbers in the reader's language."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django import template
from django.utils import formats, translation
from django.utils.translation import gettext, gettext_noop

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

_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _digits(text: str) -> str:
    """Arabic readers get Arabic-Indic digits; Django's formats keep Latin ones."""
    if (translation.get_language() or "").startswith("ar"):
        return text.translate(_ARABIC_DIGITS)
    return text


@lru_cache(maxsize=4096)
def _day(day: date, language: str) -> str:
    return _digits(formats.date_format(day, "DATE_FORMAT"))


@lru_cache(maxsize=4096)
def _clock(moment: time, language: str) -> str:
    return _digits(formats.time_format(moment, "TIME_FORMAT"))


@register.filter
def sitetime(value: datetime | None) -> str:
    """A task's date and time as the site has it (aware datetimes stay in their own zone, the
    site's: that is the clock "today" and "overdue" are judged by). Days and times repeat
    across a page's rows, so their formatted forms are kept per language."""
    if not value:
        return ""
    language = translation.get_language() or ""
    return f"{_day(value.date(), language)} {_clock(value.time(), language)}"


def due_day(task) -> date | None:
    """The day a task is due when its site keeps a plain date (``Task.due_is_day``, Django-CRM).
    The task holds it as the moment it turns overdue, 00:00 of the day after: shown as that
    moment, a task due on the 4th would read "due the 5th"."""
    if task.due_date is None or not task.due_is_day:
        return None
    return (task.due_date - timedelta(days=1)).date()


@register.filter
def due_iso(task) -> str:
    """The ``datetime`` attribute of a task's due ``<time>``: the day, or the moment."""
    day = due_day(task)
    return day.isoformat() if day else (task.due_date.isoformat() if task.due_date else "")


@register.filter
def due_text(task) -> str:
    """A task's due date as its site has it: a day alone, or a date and time."""
    day = due_day(task)
    return _day(day, translation.get_language() or "") if day else sitetime(task.due_date)


@register.filter
def siteday(value: datetime | None) -> str:
    if not value:
        return ""
    return _day(value.date(), translation.get_language() or "")


@register.filter
def num(value: int | float | None) -> str:
    if value is None:
        return ""
    return _digits(formats.number_format(value, force_grouping=True))


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
