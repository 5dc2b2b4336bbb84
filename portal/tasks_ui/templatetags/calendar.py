"""The calendar's words for days and months in the reader's language (Django's date formats:
Arabic month and day names, Arabic-Indic digits as on every other page)."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils import formats, translation

from portal.sites.backends.types import Task
from portal.tasks_ui.templatetags.tasks_ui import _clock, _digits

register = template.Library()


@register.filter
def day_number(day: date) -> str:
    return _digits(str(day.day))


@register.filter
def weekday_name(day: date) -> str:
    return formats.date_format(day, "l")


@register.filter
def weekday_short(day: date) -> str:
    return formats.date_format(day, "D")


@register.filter
def month_title(day: date) -> str:
    """The month and year: "December 2026", "ديسمبر ٢٠٢٦"."""
    return _digits(formats.date_format(day, "YEAR_MONTH_FORMAT"))


@register.filter
def month_name(day: date) -> str:
    return formats.date_format(day, "F")


@register.filter
def long_day(day: date) -> str:
    """The weekday and date: "Wednesday, Dec. 9, 2026", "الأربعاء، ٩ ديسمبر، ٢٠٢٦"."""
    comma = "، " if (translation.get_language() or "").startswith("ar") else ", "
    return f"{weekday_name(day)}{comma}{_digits(formats.date_format(day, 'DATE_FORMAT'))}"


@register.filter
def due_clock(task: Task) -> str:
    """The time of day a task is due, on its site's clock; nothing for a plain due day."""
    if task.due_date is None or task.due_is_day:
        return ""
    return _clock(task.due_date.time().replace(tzinfo=None), translation.get_language() or "")
