"""Times, lists of people and the page's zone note for templates (``portal.sites.reading``)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from portal.sites.reading import people_html, time_html, zone_label

register = template.Library()


@register.filter
def when(value: datetime | None, site_zone: str = "") -> SafeString:
    """``{{ moment|when }}``, or ``{{ task.modified|when:task.time_zone }}`` for a site's time
    (its own clock on hover)."""
    return time_html(value, site_zone or None)


@register.filter
def people(persons) -> SafeString:
    """``{{ view.people|people }}``: each name isolated, joined with the language's comma."""
    return people_html(persons or ())


@register.simple_tag
def times_note() -> SafeString:
    """ "Times in Asia/Riyadh (UTC+03:00)": the page's one zone, said once in its header. The
    zone is isolated left to right, or an Arabic sentence would move its brackets."""
    zone = escape(zone_label(timezone.get_current_timezone()))
    sentence = escape(gettext("Times in %(zone)s"))
    return mark_safe(sentence % {"zone": f'<bdi dir="ltr">{zone}</bdi>'})  # noqa: S308 - escaped
