"""How the portal prints times, numbers and names for its reader.

- Times: every time on a page is in one zone, the reader's (their profile's zone, else the
  portal's ``TIME_ZONE``), and the page names that zone once in its header. A time that belongs
  to a site (a task's due date, its last change) carries the site's own clock in its ``title``:
  "today" and "overdue" are judged on the site's clock, so the reader can see why.
- Digits: Western digits (0-9) in every language. Django's formats never emit anything else
  (``ar`` included), nor do the timesince words, the browser's date inputs or the sites' own
  data, so one system on a page is only reachable this way without converting every string the
  portal and its sites print. Western digits are also what Gulf business software (and the
  CLDR variants ar-AE, ar-MA) writes in Arabic; ``portal/formats/ar`` pairs them with the
  separators that go with them ("1,234.5").
- Names: each person's name or address is isolated (``<bdi>``), so a Latin name with an address
  in brackets keeps its brackets in an Arabic sentence, and lists are joined with the language's
  own comma ("، " in Arabic).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from functools import lru_cache
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from portal.sites.access import profile_for


def zone_named(name: str | None) -> ZoneInfo | None:
    """The zone of an IANA name, or None for an empty or unknown name (a site's or a person's
    zone is typed by an admin or read from a site: it may be anything)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def reader_zone(user) -> ZoneInfo:
    """The zone a person reads the portal in: their profile's, else the portal's own."""
    if user is not None and getattr(user, "is_authenticated", False):
        zone = zone_named(profile_for(user).time_zone)
        if zone is not None:
            return zone
    return zone_named(settings.TIME_ZONE) or ZoneInfo("UTC")


def utc_offset(zone: tzinfo, at: datetime | None = None) -> str:
    """ "UTC+03:00": the offset the zone has at that moment (now by default; zones with summer
    time have two)."""
    moment = (at or timezone.now()).astimezone(zone)
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def zone_label(zone: tzinfo, at: datetime | None = None) -> str:
    """ "Asia/Riyadh (UTC+03:00)"."""
    return f"{getattr(zone, 'key', str(zone))} ({utc_offset(zone, at)})"


@lru_cache(maxsize=4096)
def _day(day: date, language: str) -> str:
    return formats.date_format(day, "DATE_FORMAT")


@lru_cache(maxsize=4096)
def _moment(wall: datetime, language: str) -> str:
    """Keyed by the naive wall-clock time: aware datetimes compare by instant, so 10:00 in
    Riyadh and 09:00 in Cairo would share one cache entry."""
    return formats.date_format(wall, "DATETIME_FORMAT")


def day_text(day: date) -> str:
    """A day in the reader's language (days and times repeat across a page's rows, so their
    formatted forms are kept per language)."""
    return _day(day, translation.get_language() or "")


def moment_text(value: datetime, zone: tzinfo | None = None) -> str:
    """A date and time in the reader's language, on the given zone's clock (the active zone,
    the reader's, by default)."""
    local = value.astimezone(zone or timezone.get_current_timezone())
    return _moment(local.replace(tzinfo=None), translation.get_language() or "")


def site_time_title(value: datetime, site_zone: str | tzinfo | None) -> str:
    """The ``title`` of a site's time: "Site time: 9:00 a.m., Africa/Cairo" (empty when the
    zone is unknown)."""
    zone = zone_named(site_zone) if isinstance(site_zone, str | None) else site_zone
    if zone is None:
        return ""
    local = value.astimezone(zone)
    return gettext("Site time: %(time)s, %(zone)s") % {
        "time": moment_text(local, zone),
        "zone": getattr(zone, "key", str(zone)),
    }


def time_html(value: datetime | None, site_zone: str | tzinfo | None = None) -> SafeString:
    """``<time>`` of a moment in the reader's zone; its ``datetime`` is the moment itself (with
    its offset), its ``title`` the site's own clock when the moment is a site's."""
    if not value:
        return mark_safe("")  # noqa: S308 - empty
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    title = site_time_title(value, site_zone) if site_zone else ""
    title_attr = f' title="{escape(title, quote=True)}"' if title else ""
    iso = value.astimezone(timezone.get_current_timezone()).isoformat()
    text = escape(moment_text(value), quote=True)
    return mark_safe(f'<time datetime="{escape(iso)}"{title_attr}>{text}</time>')  # noqa: S308


def list_separator() -> str:
    """The comma between the items of a list, in the reader's language ("، " in Arabic)."""
    return pgettext("between the items of a list", ", ")


def person_html(name: str, hint: str = "") -> str:
    """One person, isolated from the text around it: a Latin name and an address in brackets
    stay in their order inside an Arabic sentence. ``hint`` (a site user id, an address) is
    shown on hover."""
    title = f' title="{escape(hint, quote=True)}"' if hint and hint != name else ""
    return f'<bdi dir="auto"{title}>{escape(name or hint, quote=True)}</bdi>'


def people_html(people: Iterable[object]) -> SafeString:
    """Persons (with ``name`` and ``user_id`` or ``email``, or plain strings) as one list in
    the reader's language, each isolated; "—" for nobody."""
    parts = []
    for person in people:
        if isinstance(person, str):
            parts.append(person_html(person))
            continue
        name = str(getattr(person, "name", "") or getattr(person, "full_name", "") or "")
        hint = str(getattr(person, "user_id", "") or getattr(person, "email", "") or "")
        parts.append(person_html(name, hint))
    if not parts:
        return mark_safe('<span class="muted">—</span>')  # noqa: S308 - fixed text
    return mark_safe(escape(list_separator()).join(parts))  # noqa: S308 - each part is escaped
