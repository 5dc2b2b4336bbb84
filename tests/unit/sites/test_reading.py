"""Times on the reader's clock with the site's on hover, the page's zone note, and lists of
people isolated and joined in the reader's language (portal/sites/reading.py)."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import timezone, translation

from portal.sites.reading import people_html, time_html, utc_offset, zone_label, zone_named

NINE_IN_CAIRO = datetime(2026, 12, 3, 9, 0, tzinfo=ZoneInfo("Africa/Cairo"))  # 07:00 UTC


@dataclass
class Person:
    user_id: str
    name: str


def test_a_sites_time_reads_on_the_readers_clock_with_the_sites_on_hover():
    with translation.override("en"), timezone.override(ZoneInfo("Asia/Riyadh")):
        html = time_html(NINE_IN_CAIRO, "Africa/Cairo")
    assert html == (
        '<time datetime="2026-12-03T10:00:00+03:00" '
        'title="Site time: Dec. 3, 2026, 9 a.m., Africa/Cairo">Dec. 3, 2026, 10 a.m.</time>'
    )


def test_a_portal_time_has_no_site_clock_to_show():
    with translation.override("en"), timezone.override(ZoneInfo("UTC")):
        html = time_html(NINE_IN_CAIRO)
    assert html == '<time datetime="2026-12-03T07:00:00+00:00">Dec. 3, 2026, 7 a.m.</time>'


def test_no_time_prints_nothing_and_an_unknown_site_zone_no_title():
    assert time_html(None) == ""
    with timezone.override(ZoneInfo("UTC")):
        assert "title=" not in time_html(NINE_IN_CAIRO, "Mars/Olympus")


def test_in_arabic_the_time_and_its_hover_are_in_western_digits():
    with translation.override("ar"), timezone.override(ZoneInfo("Asia/Riyadh")):
        html = time_html(NINE_IN_CAIRO, "Africa/Cairo")
    assert 'title="توقيت الموقع: 3 ديسمبر 2026، 9:00 ص، Africa/Cairo"' in html
    assert ">3 ديسمبر 2026، 10:00 ص</time>" in html
    assert not re.search("[٠-٩]", html)


def test_the_zone_label_names_the_offset_of_the_moment():
    assert zone_label(ZoneInfo("Asia/Riyadh")) == "Asia/Riyadh (UTC+03:00)"
    assert utc_offset(ZoneInfo("America/St_Johns"), datetime(2026, 1, 5, tzinfo=UTC)) == (
        "UTC-03:30"
    )
    assert utc_offset(ZoneInfo("Europe/London"), datetime(2026, 7, 1, tzinfo=UTC)) == "UTC+01:00"


def test_a_zone_name_from_a_person_or_site_may_be_anything():
    assert zone_named("Asia/Riyadh") == ZoneInfo("Asia/Riyadh")
    assert zone_named("") is None and zone_named("not a zone") is None
    assert zone_named("../../etc/passwd") is None


def test_the_page_names_its_zone_once_isolated_left_to_right():
    template = Template("{% load reading %}{% times_note %}")
    with translation.override("ar"), timezone.override(ZoneInfo("Asia/Riyadh")):
        html = template.render(Context())
    assert html == 'الأوقات بتوقيت <bdi dir="ltr">Asia/Riyadh (UTC+03:00)</bdi>'


def test_each_person_is_isolated_and_arabic_lists_use_the_arabic_comma():
    people = [Person("sales1@lab.local", "Sales One (sales1@lab.local)"), Person("layla", "ليلى")]
    with translation.override("ar"):
        html = people_html(people)
    assert html == (
        '<bdi dir="auto" title="sales1@lab.local">Sales One (sales1@lab.local)</bdi>، '
        '<bdi dir="auto" title="layla">ليلى</bdi>'
    )
    with translation.override("en"):
        assert ", " in people_html(people) and "، " not in people_html(people)


def test_names_are_escaped_and_nobody_reads_as_a_dash():
    html = people_html([Person('"><script>', "<b>Omar</b>")])
    assert "<b>" not in html and "<script>" not in html and "&lt;b&gt;Omar" in html
    assert people_html([]) == '<span class="muted">—</span>'
