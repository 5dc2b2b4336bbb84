"""Pages read in Arabic, right to left: one digit system (Western) on every page, times on the
reader's clock with the zone named, names isolated and listed with the Arabic comma."""

import re
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from portal.notifications.models import Notification
from portal.sites.models import Profile, SiteUser
from portal.sites.reading import moment_text

# The task pages' fixtures: a member granted the three stand-in sites, connected as sales1.
from tests.integration.tasks_ui.conftest import (  # noqa: F401
    frozen_now,
    grant,
    member,
    site_login,
    three_sites,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Arabic-Indic (U+0660-0669) and Extended Arabic-Indic (U+06F0-06F9, Persian and Urdu) digits.
EASTERN_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)
TITLE = re.compile(r'\btitle="([^"]*)"')


def readable(html: str) -> str:
    """What a reader sees of a page: its text and the hovers (``title``), not its markup."""
    return unescape(TAG.sub(" ", html) + " " + " ".join(TITLE.findall(html)))


def test_the_sites_page_speaks_arabic(client, django_user_model):
    user = django_user_model.objects.create_user("layla")
    client.force_login(user)
    client.cookies["django_language"] = "ar"
    body = client.get("/sites/").content.decode()
    assert 'dir="rtl"' in body
    assert "المواقع" in body and "تسجيل الخروج" in body
    assert "Log out" not in body


@pytest.fixture
def arabic_reader(client, member, three_sites):  # noqa: F811
    """The member reads in Arabic on Riyadh's clock, leads the team reports, and has a
    notification in their centre."""
    Profile.objects.filter(user=member).update(
        language="ar", time_zone="Asia/Riyadh", role=Profile.Role.LEAD
    )
    Notification.objects.create(
        user=member, key="reading-1", title="Call back 12 clients", body="3 overdue",
        link="/", created_at=timezone.now() - timedelta(hours=30),
    )  # fmt: skip
    client.force_login(member)
    client.cookies["django_language"] = "ar"
    client.sites = three_sites
    return client


def _pages(client) -> dict[str, str]:
    inbox = client.get("/?scope=all&bucket=upcoming").content.decode()
    task_path = re.search(r'href="(/tasks/\d+/[^/"]+/)"', inbox).group(1)
    paths = {
        "inbox": "/?scope=all&bucket=upcoming",
        "overdue": "/?scope=all&bucket=overdue",
        "filter": "/tasks/?scope=all&status=open",
        "task": task_path,
        "reports": "/reports/",
        "notification centre": "/notifications/centre/",
    }
    pages = {}
    for name, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, (name, path)
        pages[name] = response.content.decode()
    return pages


def test_no_arabic_page_mixes_two_digit_systems(arabic_reader):
    for name, html in _pages(arabic_reader).items():
        assert '<html lang="ar" dir="rtl">' in html, name
        text = readable(html)
        assert re.search("[0-9]", text), name  # counts, dates, times: Western digits...
        found = EASTERN_DIGITS.findall(text)
        assert not found, (name, found)  # ...and no Arabic-Indic one beside them


def test_every_page_names_the_readers_zone_and_prints_times_on_that_clock(arabic_reader):
    pages = _pages(arabic_reader)
    for name, html in pages.items():
        assert 'الأوقات بتوقيت <bdi dir="ltr">Asia/Riyadh (UTC+03:00)</bdi>' in html, name
    riyadh = ZoneInfo("Asia/Riyadh")
    times = re.findall(
        r'<time datetime="([^"]+)"(?: title="([^"]*)")?>([^<]*)</time>', pages["inbox"]
    )
    moments = [
        (datetime.fromisoformat(iso), title, text) for iso, title, text in times if "T" in iso
    ]
    assert moments
    with translation.override("ar"):
        for moment, title, text in moments:
            assert moment.utcoffset() == timedelta(hours=3)  # the reader's clock, not the site's
            assert unescape(text) == moment_text(moment, riyadh)
            assert unescape(title).startswith("توقيت الموقع: ")  # the site's own clock on hover
    cairo = [title for _m, title, _t in moments if "Africa/Cairo" in title]
    assert cairo, "a Cairo task shows Cairo's clock on hover"
    centre = pages["notification centre"]
    assert re.search(r'<time datetime="[^"]+\+03:00">', centre)


def test_names_in_an_assignee_list_are_isolated_and_joined_with_the_arabic_comma(
    arabic_reader, standin
):
    site = arabic_reader.sites["cairo"]
    [task_id] = standin.sites["cairo"].control.insert_tasks(
        [
            {
                "title": "Visit",
                "status": "Open",
                "assignees": ["sales1@cairo.test", "layla@cairo.test"],
            }
        ]
    )
    SiteUser.objects.update_or_create(
        site=site, user_id="sales1@cairo.test",
        defaults={"full_name": "Sales One (sales1@lab.local)", "email": "sales1@cairo.test"},
    )  # fmt: skip
    SiteUser.objects.update_or_create(
        site=site, user_id="layla@cairo.test", defaults={"full_name": "ليلى"}
    )
    html = arabic_reader.get(f"/tasks/{site.pk}/{task_id}/").content.decode()
    assignees = re.search(r'<dd id="assignees">(.*?)</dd>', html).group(1)
    assert assignees == (
        '<bdi dir="auto" title="sales1@cairo.test">Sales One (sales1@lab.local)</bdi>، '
        '<bdi dir="auto" title="layla@cairo.test">ليلى</bdi>'
    )
    inbox = arabic_reader.get("/tasks/?q=Visit").content.decode()
    assert (
        '<bdi dir="auto" title="sales1@cairo.test">Sales One (sales1@lab.local)</bdi>، '
        '<bdi dir="auto" title="layla@cairo.test">ليلى</bdi>'
    ) in inbox
