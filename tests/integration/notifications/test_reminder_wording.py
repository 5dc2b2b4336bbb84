"""Reminder emails in Arabic: they name the zone of the times they print (the recipient's),
count tasks with Arabic's six plural forms, and say who acknowledged without guessing whether
that person is a man or a woman."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from portal.notifications.models import Delivery
from portal.notifications.services.messages import message_render, subject_line
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from tests.integration.notifications.conftest import T0, make_rule, site_user

pytestmark = pytest.mark.django_db
SALES1 = "sales1@riyadh.test"


def scan():
    return scan_run_inline(run=scan_run_start(trigger="test"))


@pytest.fixture
def two_overdue(tasks, sites, email_channel):
    """Two tasks of SALES1 on Riyadh's site, overdue for an hour and for a day; SALES1 reads
    Arabic on Cairo's clock."""
    make_rule(repeat_every_hours=0)
    site_user(sites["riyadh"], SALES1, language="ar", time_zone="Africa/Cairo")
    tasks.add("riyadh", title="Call back", due=T0 - timedelta(hours=1), assignees=[SALES1])
    tasks.add("riyadh", title="Send offer", due=T0 - timedelta(days=1), assignees=[SALES1])


def test_the_email_names_the_recipients_zone_and_prints_its_times_on_that_clock(two_overdue):
    scan()
    delivery = Delivery.objects.get(recipient=SALES1)
    assert delivery.time_zone == "Africa/Cairo"
    message = message_render(delivery)
    assert "الأوقات بتوقيت Africa/Cairo (UTC+02:00)." in message.text
    assert 'الأوقات بتوقيت <bdi dir="ltr">Africa/Cairo (UTC+02:00)</bdi>.' in message.html
    # due 08:00 UTC: 10:00 in Cairo (11:00 on the Riyadh site's own clock)
    assert "2026-11-23 10:00" in message.text and "2026-11-23 11:00" not in message.text


def test_two_tasks_are_counted_in_the_dual(two_overdue):
    scan()
    message = message_render(Delivery.objects.get(recipient=SALES1))
    assert message.subject == "مهمتان متأخرتان تحتاجان إلى اهتمامك"


@pytest.mark.parametrize(
    ("count", "subject"),
    [
        (2, "مهمتان متأخرتان تحتاجان إلى اهتمامك"),
        (3, "3 مهام متأخرة تحتاج إلى اهتمامك"),
        (10, "10 مهام متأخرة تحتاج إلى اهتمامك"),
        (11, "11 مهمة متأخرة تحتاج إلى اهتمامك"),
        (99, "99 مهمة متأخرة تحتاج إلى اهتمامك"),
        (100, "100 مهمة متأخرة تحتاج إلى اهتمامك"),
    ],
)
def test_the_subject_agrees_with_its_count_in_arabic(count, subject):
    context = {"count": count, "due": [], "escalation": False, "all_soon": False}
    with translation.override("ar"):
        assert subject_line(
            render_to_string("notifications/email/reminder-subject.txt", context)
        ) == (subject)


@pytest.mark.parametrize(
    ("more", "line"),
    [
        (1, "…ومهمة متأخرة أخرى: تجدها في البوابة."),
        (2, "…ومهمتان متأخرتان أخريان: تجدهما في البوابة."),
        (5, "…و5 مهام متأخرة أخرى: تجدها في البوابة."),
        (40, "…و40 مهمة متأخرة أخرى: تجدها في البوابة."),
    ],
)
def test_the_tasks_left_out_of_a_long_digest_are_counted_in_arabic(more, line):
    context = {"due": [], "others": [], "more_due": more, "more_others": 0}
    with translation.override("ar"):
        assert line in render_to_string("notifications/email/reminder-body.txt", context)


def test_who_acknowledged_is_said_without_a_gendered_verb():
    with translation.override("ar"):
        words = translation.gettext("Acknowledged by %(who)s at %(when)s")
    assert words == "تمّ الإقرار بها من %(who)s في %(when)s"
