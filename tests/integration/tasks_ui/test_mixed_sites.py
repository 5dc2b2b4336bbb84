"""Frappe and Django-CRM sites side by side: one inbox, writes checked at the stand-in, scans."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from .helpers import JEDDAH_ADMIN, JEDDAH_SALES1, JEDDAH_ZONE, page_counts, row_keys

ZONE, ADMIN, SALES1 = JEDDAH_ZONE, JEDDAH_ADMIN, JEDDAH_SALES1


def test_one_inbox_holds_the_tasks_of_frappe_and_django_crm_sites(
    client, member, jeddah, frozen_now, three_sites
):
    crm, site = jeddah
    today = crm.today
    overdue = crm.insert(title="Call the landlord", due=today - timedelta(days=1),
                         assignees=[SALES1], priority="High")  # fmt: skip
    due_today = crm.insert(title="Send the quote", due=today, assignees=[SALES1])
    crm.insert(title="Done already", status="Completed", due=today - timedelta(days=3),
               assignees=[SALES1])  # fmt: skip
    crm.insert(title="Someone else's", due=today - timedelta(days=1), created_by=ADMIN)
    client.force_login(member)

    html = client.get("/?scope=mine&bucket=overdue").content.decode()
    keys = row_keys(html)
    assert (site.pk, overdue) in keys
    assert any(s == three_sites["riyadh"].pk for s, _ in keys)  # a Frappe site's rows too
    assert "Jeddah Ops" in html and "Call the landlord" in html
    today_html = client.get("/?scope=mine&bucket=today").content.decode()
    assert (site.pk, due_today) in row_keys(today_html)
    # Late needs a start date: Django-CRM tasks have none, so none of them is late.
    late_html = client.get("/?scope=mine&bucket=late").content.decode()
    assert not any(s == site.pk for s, _ in row_keys(late_html))
    assert page_counts(html)["overdue"] >= 1


def test_writes_on_a_django_crm_site_are_checked_at_the_stand_in(member, jeddah):
    from portal.tasks_ui.selectors.sources import sources_for_user
    from portal.tasks_ui.services.writes import (
        task_create,
        task_delete,
        task_edit,
        task_status_set,
    )

    crm, site = jeddah
    [source] = [s for s in sources_for_user(user=member)[0] if s.site.pk == site.pk]
    created = task_create(user=member, source=source, fields={
        "title": "Visit unit 12", "priority": "High", "due_date": "2026-12-20 00:00:00",
        "assignees": [SALES1],
    })  # fmt: skip
    stored = crm.tasks[created.id]
    assert (stored["title"], stored["priority"], stored["due_date"]) == (
        "Visit unit 12", "High", "2026-12-20"
    )  # fmt: skip
    assert stored["description"] in (None, "")  # the marker that found it is gone again
    assert stored["assigned_to"] == [crm.users[SALES1].profile_id]

    task_edit(user=member, source=source, task_id=created.id, expected_modified=None,
              changed={"title": "Visit unit 12 (keys)"})  # fmt: skip
    assert crm.tasks[created.id]["title"] == "Visit unit 12 (keys)"
    assert not any(r["method"] == "PUT" for r in crm.requests)  # PUT would clear assignees

    done = task_status_set(user=member, source=source, task_id=created.id, status="done")
    assert done.status == "Completed" and crm.tasks[created.id]["status"] == "Completed"

    task_delete(user=member, source=source, task_id=created.id)
    assert created.id not in crm.tasks


def test_a_django_crm_site_refuses_cancel_in_words_before_sending(member, jeddah):
    from portal.sites.backends.errors import InputRefused
    from portal.tasks_ui.selectors.sources import sources_for_user
    from portal.tasks_ui.services.writes import task_status_set

    crm, site = jeddah
    task_id = crm.insert(title="Keep", assignees=[SALES1])
    [source] = [s for s in sources_for_user(user=member)[0] if s.site.pk == site.pk]
    sent = len(crm.requests)
    with pytest.raises(InputRefused, match="no status meaning"):
        task_status_set(user=member, source=source, task_id=task_id, status="cancelled")
    assert not any(r["method"] == "PATCH" for r in crm.requests[sent:])


def test_the_scan_finds_overdue_tasks_of_a_django_crm_site(jeddah, frozen_now):
    from portal.notifications.services.scan import site_fetch

    crm, site = jeddah
    overdue = crm.insert(title="Overdue", due=crm.today - timedelta(days=2), created_by=ADMIN)
    crm.insert(title="Due today", due=crm.today, created_by=ADMIN)
    crm.insert(title="Finished", status="Completed", due=crm.today - timedelta(days=2))
    fetched = site_fetch(site=site, now=frozen_now)
    assert fetched.ok, fetched.error
    assert set(fetched.found) == {overdue}
    assert fetched.found[overdue][1] == "overdue"


def test_the_task_page_of_a_django_crm_task_offers_no_cancel_and_says_why(client, member, jeddah):
    crm, site = jeddah
    task_id = crm.insert(title="Paint the hall", assignees=[SALES1])
    client.force_login(member)
    html = client.get(f"/tasks/{site.pk}/{task_id}/").content.decode()
    assert "Paint the hall" in html
    assert 'value="cancelled"' not in html and 'value="done"' in html
    assert "has no cancelled status" in html


def test_a_django_crm_task_shows_the_day_it_is_due_not_the_day_after(client, member, jeddah):
    """The site keeps a plain date; the portal holds it as 00:00 of the next day (when it turns
    overdue). The task page, the inbox row and the edit form show the site's own day."""
    from datetime import date

    crm, site = jeddah
    task_id = crm.insert(title="Hand over the keys", due=date(2031, 5, 4), assignees=[SALES1])
    client.force_login(member)

    page = client.get(f"/tasks/{site.pk}/{task_id}/").content.decode()
    assert '<time datetime="2031-05-04">May 4, 2031</time>' in page
    assert "May 5, 2031" not in page
    rows = client.get("/?scope=mine&bucket=upcoming").content.decode()
    assert '<time datetime="2031-05-04">May 4, 2031</time>' in rows
    form = client.get(f"/tasks/{site.pk}/{task_id}/edit/").content.decode()
    assert 'type="date" name="due_date" value="2031-05-04"' in form


def test_the_forms_of_a_django_crm_site_ask_for_a_due_day_and_no_start(client, member, jeddah):
    """The site keeps no start date and no time of day: the forms ask for neither, and the day
    entered is the day the site stores."""
    crm, site = jeddah
    client.force_login(member)
    form = client.get(f"/tasks/{site.pk}/new/").content.decode()
    assert 'name="start_date"' not in form and 'type="date" name="due_date"' in form
    response = client.post(f"/tasks/{site.pk}/new/", {
        "title": "Measure the flat", "status": "New", "priority": "Low",
        "due_date": "2031-06-09", "other_people": SALES1,
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    [created] = [t for t in crm.tasks.values() if t["title"] == "Measure the flat"]
    assert created["due_date"] == "2031-06-09"
    page = client.get(f"/tasks/{site.pk}/{created['id']}/").content.decode()
    assert "<dt>Starts</dt>" not in page and "June 9, 2031" in page

    edit = client.get(f"/tasks/{site.pk}/{created['id']}/edit/").content.decode()
    snapshot = re.search(r'name="snapshot" value="([^"]+)"', edit).group(1)
    changed = client.post(f"/tasks/{site.pk}/{created['id']}/edit/", {
        "title": "Measure the flat", "status": "New", "priority": "Low", "due_date": "2031-06-10",
        "other_people": SALES1, "snapshot": snapshot,
    })  # fmt: skip
    assert changed.status_code == 302, changed.content.decode()[-2000:]
    assert crm.tasks[created["id"]]["due_date"] == "2031-06-10"
    sent = [r for r in crm.requests if r["method"] == "PATCH"][-1]
    assert sent["body"] == {"due_date": "2031-06-10"}  # only what changed
    bad = client.post(
        f"/tasks/{site.pk}/new/",
        {"title": "x", "status": "New", "priority": "Low", "due_date": "tomorrow"},
    )
    assert "Enter a date, like 2026-11-23." in bad.content.decode()


def test_a_django_crm_task_reads_right_in_arabic(client, member, jeddah):
    from datetime import date

    from portal.sites.models import Profile

    crm, site = jeddah
    task_id = crm.insert(title="تسليم المفاتيح", due=date(2031, 5, 4), assignees=[SALES1])
    Profile.objects.filter(user=member).update(language="ar")
    client.post("/accounts/login/", {"username": "mona", "password": "Mona-Pass-2026!"})
    html = client.get(f"/tasks/{site.pk}/{task_id}/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "ليس في <bdi>Jeddah Ops</bdi> حالة «ملغاة»" in html  # why there is no Cancel
    assert (
        '<time datetime="2031-05-04">' in html
        and "4 مايو، 2031" in html.split('<time datetime="2031-05-04">')[1].split("</time>")[0]
    )  # fmt: skip (Western digits, as on every page)
    form = client.get(f"/tasks/{site.pk}/new/").content.decode()
    assert 'type="date" name="due_date"' in form
    bad = client.post(
        f"/tasks/{site.pk}/new/",
        {"title": "x", "status": "New", "priority": "Low", "due_date": "غدًا"},
    )
    assert "أدخل تاريخًا، مثل 2026-11-23." in bad.content.decode()
