"""Dates on the reader's clock and numbers in the reader's language."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone, translation

from portal.tasks_ui.templatetags.tasks_ui import num, sitetime


def test_times_are_on_the_readers_clock():
    value = datetime(2026, 11, 23, 17, 5, tzinfo=ZoneInfo("Asia/Riyadh"))
    with translation.override("en"), timezone.override(ZoneInfo("Africa/Cairo")):
        assert sitetime(value) == "Nov. 23, 2026, 4:05 p.m."


def test_arabic_readers_get_western_digits_and_arabic_month_names():
    value = datetime(2026, 11, 23, 17, 5, tzinfo=ZoneInfo("Asia/Riyadh"))
    with translation.override("ar"), timezone.override(ZoneInfo("Asia/Riyadh")):
        text = sitetime(value)
        assert "2026" in text and "نوفمبر" in text and not any("٠" <= c <= "٩" for c in text)
        assert num(1234) == "1,234"
