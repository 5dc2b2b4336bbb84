"""Dates on the site's clock and numbers in the reader's language."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import translation

from portal.tasks_ui.templatetags.tasks_ui import num, sitetime


def test_times_stay_on_the_sites_clock():
    value = datetime(2026, 11, 23, 17, 5, tzinfo=ZoneInfo("Asia/Riyadh"))
    with translation.override("en"):
        assert sitetime(value) == "Nov. 23, 2026 5:05 p.m."


def test_arabic_readers_get_arabic_digits_and_month_names():
    value = datetime(2026, 11, 23, 17, 5, tzinfo=ZoneInfo("Asia/Riyadh"))
    with translation.override("ar"):
        text = sitetime(value)
        assert "٢٠٢٦" in text and "نوفمبر" in text and "2026" not in text
        assert num(1234) in ("١٬٢٣٤", "١,٢٣٤", "١.٢٣٤", "١٢٣٤")
