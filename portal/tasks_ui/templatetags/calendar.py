"""The calendar's words for days and months in the reader's language (Django's date formats:
Arabic month and day names, Western digits as on every other page: ``portal.sites.reading``)."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils import formats, timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from portal.sites import reading
from portal.sites.backends.types import Task
from portal.tasks_ui.selectors.calendar import reader_day

register = template.Library()


@register.filter
def long_day(day: date) -> str:
    """The weekday and date: "Wednesday, Dec. 9, 2026", "الأربعاء، 9 ديسمبر، 2026"."""
    comma = "، " if (translation.get_language() or "").startswith("ar") else ", "
    return f"{formats.date_format(day, 'l')}{comma}{formats.date_format(day, 'DATE_FORMAT')}"


@register.filter
def due_clock(task: Task) -> SafeString:
    """The time of day a task is due, on the reader's clock, the site's own on hover; nothing
    for a plain due day."""
    if task.due_date is None or task.due_is_day:
        return mark_safe("")  # noqa: S308 - empty
    local = task.due_date.astimezone(timezone.get_current_timezone())
    text = formats.time_format(local.time(), "TIME_FORMAT")
    title = reading.site_time_title(task.due_date, task.time_zone)
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), title, text)


@register.filter
def move_value(task: Task) -> str:
    """The "Move to date" field's day: the task's day on the calendar (the reader's)."""
    day = reader_day(task)
    return day.isoformat() if day else ""
