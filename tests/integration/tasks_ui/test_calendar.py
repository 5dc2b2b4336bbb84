"""The calendar: a month or a week of tasks by the day they are due on the reader's clock, and
moving a task to another day through the site (the move counts only once the site's answer
shows it). Mona reads on Riyadh's clock here, so Riyadh's tasks sit on their site's day; a
reader in another zone is tested apart."""

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.sites.models import AuditEntry, Connection

from .helpers import JEDDAH_SALES1 as SALES1

pytestmark = pytest.mark.django_db(transaction=True)

DAY = re.compile(
    r'<section class="cal-day[^"]*"\s+aria-labelledby="day-[\d-]+" data-day="([\d-]+)">'
    r"(.*?)</section>",
    re.S,
)
CARD = re.compile(r'<li class="cal-task[^"]*"\s+id="(cal-\d+-[^"]+)"')


def cal(client, **params):
    query = "&".join(f"{k}={v}" for k, v in {"scope": "all", **params}.items())
    response = client.get(f"/tasks/calendar/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def days_of(html: str) -> dict[str, list[str]]:
    """Each shown day and the stable ids of the tasks in it, in page order."""
    return {day: CARD.findall(body) for day, body in DAY.findall(html)}


def where(html: str, card: str) -> list[str]:
    return [day for day, cards in days_of(html).items() if card in cards]


def insert(standin, name, *rows):
    return standin.sites[name].control.insert_tasks(
        [{"status": "Open", "priority": "Medium", **row} for row in rows]
    )


def move(client, site, task_id, day, **headers):
    return client.post(
        f"/tasks/{site.pk}/{task_id}/reschedule/",
        {"date": day, "next": "/tasks/calendar/?scope=all"},
        **headers,
    )


HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def on_riyadhs_clock(member):
    from portal.sites.models import Profile

    Profile.objects.filter(user=member).update(time_zone="Asia/Riyadh")


def test_a_month_shows_whole_weeks_from_the_languages_first_weekday(
    client, member, three_sites, standin
):
    site = three_sites["riyadh"].pk
    # March 2031 begins on a Saturday and ends on a Monday.
    before, first, last, after = insert(
        standin, "riyadh",
        {"title": "Before the grid", "due_date": "2031-02-22 09:00:00"},
        {"title": "First cell", "due_date": "2031-02-23 00:00:00"},
        {"title": "Last cell", "due_date": "2031-04-05 23:59:00"},
        {"title": "After the grid", "due_date": "2031-04-06 00:00:00"},
    )  # fmt: skip
    client.force_login(member)
    html = cal(client, view="month", date="2031-03-17")
    days = days_of(html)
    assert list(days)[0] == "2031-02-23" and list(days)[-1] == "2031-04-05"  # Sunday to Saturday
    assert len(days) == 42
    assert days["2031-02-23"] == [f"cal-{site}-{first}"]
    assert days["2031-04-05"] == [f"cal-{site}-{last}"]
    shown = {card for cards in days.values() for card in cards}
    assert f"cal-{site}-{before}" not in shown and f"cal-{site}-{after}" not in shown
    assert "March 2031" in html

    # In Arabic the week starts on Saturday: the grid is March 1 to April 4, in Arabic words.
    client.post("/accounts/language/", {"language": "ar", "next": "/"})
    html = cal(client, view="month", date="2031-03-17")
    days = days_of(html)
    assert list(days)[0] == "2031-03-01" and list(days)[-1] == "2031-04-04"
    assert len(days) == 35
    assert "مارس 2031" in html and "٢" not in html  # Western digits, as on every page
    shown = {card for cards in days.values() for card in cards}
    assert f"cal-{site}-{first}" not in shown and f"cal-{site}-{last}" not in shown


def test_a_week_is_seven_days_and_its_links_go_a_week_at_a_time(
    client, member, three_sites, standin
):
    site = three_sites["cairo"].pk
    saturday, sunday = insert(
        standin, "cairo",
        {"title": "On Saturday", "due_date": "2031-03-08 12:00:00"},
        {"title": "On Sunday", "due_date": "2031-03-09 08:00:00"},
    )  # fmt: skip
    client.force_login(member)
    html = cal(client, view="week", date="2031-03-12")
    days = days_of(html)
    assert list(days) == [f"2031-03-{d:02}" for d in range(9, 16)]
    assert days["2031-03-09"] == [f"cal-{site}-{sunday}"]
    assert "date=2031-03-02" in html and "date=2031-03-16" in html  # previous, next week
    client.post("/accounts/language/", {"language": "ar", "next": "/"})
    days = days_of(cal(client, view="week", date="2031-03-12"))
    assert list(days) == [f"2031-03-{d:02}" for d in range(8, 15)]
    assert days["2031-03-08"] == [f"cal-{site}-{saturday}"]


def test_a_task_is_on_the_day_and_at_the_time_of_the_readers_clock(
    client, member, three_sites, standin
):
    from portal.sites.models import Profile

    # 01:30 in Riyadh is 22:30 the evening before in UTC.
    site = three_sites["riyadh"].pk
    [early] = insert(standin, "riyadh", {"title": "Early call", "due_date": "2031-03-11 01:30:00"})
    client.force_login(member)
    html = cal(client, view="week", date="2031-03-11")
    assert where(html, f"cal-{site}-{early}") == ["2031-03-11"]
    assert re.search(
        r'<time datetime="2031-03-11T01:30:00\+03:00" title="Site time: [^"]*Asia/Riyadh">'
        r"1:30 a.m.</time>",
        html,
    )
    Profile.objects.filter(user=member).update(time_zone="UTC")
    html = cal(client, view="week", date="2031-03-11")
    assert where(html, f"cal-{site}-{early}") == ["2031-03-10"]
    assert re.search(r'<time datetime="2031-03-10T22:30:00\+00:00"[^>]*>10:30 p.m.</time>', html)
    # Moved to the 12th on this clock: 22:30 UTC on the 12th, 01:30 on the 13th in Riyadh.
    assert move(client, three_sites["riyadh"], early, "2031-03-12").status_code in (200, 302)
    assert standin.sites["riyadh"].control.task(early)["due_date"].startswith("2031-03-13 01:30")


def test_mine_shows_only_my_tasks_and_the_filters_of_the_filter_page_apply(
    client, member, three_sites, standin
):
    site = three_sites["riyadh"].pk
    mine, theirs, low = insert(
        standin, "riyadh",
        {"title": "Mine", "due_date": "2031-03-12 10:00:00", "assignees": ["sales1@riyadh.test"]},
        {"title": "Theirs", "due_date": "2031-03-12 11:00:00",
         "assignees": ["sales2@riyadh.test"]},
        {"title": "Mine but low", "due_date": "2031-03-12 12:00:00", "priority": "Low",
         "assignees": ["sales1@riyadh.test"]},
    )  # fmt: skip
    client.force_login(member)
    html = client.get("/tasks/calendar/?view=week&date=2031-03-12").content.decode()
    assert days_of(html)["2031-03-12"] == [f"cal-{site}-{mine}", f"cal-{site}-{low}"]
    html = cal(client, view="week", date="2031-03-12", priority="Medium",
               site=three_sites["riyadh"].pk)  # fmt: skip
    assert days_of(html)["2031-03-12"] == [f"cal-{site}-{mine}", f"cal-{site}-{theirs}"]


def test_a_full_day_links_the_rest_to_the_filter_page_for_that_day(
    client, member, three_sites, standin
):
    ids = insert(
        standin, "plainsite",
        *[{"title": f"Busy {i}", "due_date": f"2031-03-12 {9 + i:02}:00:00"} for i in range(6)],
    )  # fmt: skip
    client.force_login(member)
    html = cal(client, view="month", date="2031-03-01")
    assert len(days_of(html)["2031-03-12"]) == 4
    link = re.search(r'<a class="cal-more" href="([^"]+)">\+2 more', html)
    assert link, "the day says how many more there are"
    url = link.group(1).replace("&amp;", "&")
    assert "due_from=2031-03-12" in url and "due_to=2031-03-12" in url
    listed = client.get(url).content.decode()
    found = set(re.findall(r'<tr id="task-\d+-(\d+)"', listed))
    assert found == {str(i) for i in ids}


def test_moving_a_task_changes_its_due_day_at_the_site_and_keeps_its_time(
    client, member, three_sites, standin
):
    site = three_sites["riyadh"]
    [task_id] = insert(standin, "riyadh", {"title": "Move me", "start_date": "2031-03-01 08:00:00",
                                           "due_date": "2031-03-12 16:45:00"})  # fmt: skip
    client.force_login(member)
    response = move(client, site, task_id, "2031-03-20", **HTMX)
    assert response["HX-Retarget"] == "#calendar-status"
    assert "calendar-changed" in response["HX-Trigger"]
    assert "is now due" in response.content.decode()
    assert standin.sites["riyadh"].control.task(task_id)["due_date"] == "2031-03-20 16:45:00"
    entry = AuditEntry.objects.get(site=site, task_id=str(task_id), action="task_edit")
    assert entry.ok and entry.changes == {"due_date": "2031-03-20T16:45:00"}
    html = cal(client, view="month", date="2031-03-01")
    assert where(html, f"cal-{site.pk}-{task_id}") == ["2031-03-20"]


def test_a_refused_move_leaves_the_date_and_says_why(client, member, three_sites, standin):
    site = three_sites["riyadh"]
    [task_id] = insert(standin, "riyadh", {"title": "Stay", "due_date": "2031-03-12 16:45:00"})
    standin.sites["riyadh"].control.set_faults(
        [{"kind": "error", "status": 417, "methods": ["POST", "PUT"]}]
    )
    client.force_login(member)
    response = move(client, site, task_id, "2031-03-20", **HTMX)
    html = response.content.decode()
    assert response["HX-Retarget"] == "#calendar-alert"
    assert "Not moved: Riyadh did not accept this: Injected fault: HTTP 417" in html
    assert standin.sites["riyadh"].control.task(task_id)["due_date"] == "2031-03-12 16:45:00"
    assert not AuditEntry.objects.get(task_id=str(task_id), action="task_edit").ok
    standin.sites["riyadh"].control.clear_faults()
    page = cal(client, view="month", date="2031-03-01")
    assert where(page, f"cal-{site.pk}-{task_id}") == ["2031-03-12"]


def test_a_refused_move_without_javascript_goes_back_with_the_reason(
    client, member, three_sites, standin
):
    site = three_sites["riyadh"]
    [task_id] = insert(standin, "riyadh", {"title": "Stay", "due_date": "2031-03-12 16:45:00"})
    standin.sites["riyadh"].control.set_faults(
        [{"kind": "error", "status": 417, "methods": ["POST", "PUT"]}]
    )
    client.force_login(member)
    response = move(client, site, task_id, "2031-03-20")
    assert response.status_code == 302 and response["Location"] == "/tasks/calendar/?scope=all"
    standin.sites["riyadh"].control.clear_faults()
    page = client.get(response["Location"]).content.decode()
    assert "Not moved: Riyadh did not accept this" in page


def test_a_move_before_the_tasks_start_is_refused_before_asking_the_site(
    client, member, three_sites, standin
):
    site = three_sites["riyadh"]
    [task_id] = insert(
        standin,
        "riyadh",
        {"title": "Starts later", "start_date": "2031-03-10 09:00:00",
         "due_date": "2031-03-12 17:00:00"},
    )  # fmt: skip
    client.force_login(member)
    html = move(client, site, task_id, "2031-03-05", **HTMX).content.decode()
    assert "would be before the task" in html
    assert standin.sites["riyadh"].control.task(task_id)["due_date"] == "2031-03-12 17:00:00"


def test_a_read_only_site_offers_no_move_and_refuses_one(client, member, three_sites, standin):
    site = three_sites["cairo"]
    [task_id] = insert(standin, "cairo", {"title": "Look only", "due_date": "2031-03-12 10:00:00"})
    Connection.objects.filter(user=member, site=site).update(can_write=False)
    client.force_login(member)
    html = cal(client, view="week", date="2031-03-12")
    card = re.search(rf'<li [^>]*id="cal-{site.pk}-{task_id}"[^>]*>(.*?)</li>', html, re.S)
    assert card and "data-movable" not in card.group(0)
    assert "reschedule/" not in card.group(1) and "Read only" in card.group(1)
    response = move(client, site, task_id, "2031-03-20", **HTMX)
    assert response["HX-Retarget"] == "#calendar-alert"
    assert "Read only" in response.content.decode()
    assert standin.sites["cairo"].control.task(task_id)["due_date"] == "2031-03-12 10:00:00"


def test_a_plain_due_day_moves_as_a_day(client, member, jeddah):
    crm, site = jeddah
    task_id = crm.insert(title="Deliver the keys", due=date(2031, 3, 12), assignees=[SALES1])
    client.force_login(member)
    html = cal(client, view="week", date="2031-03-12")
    assert where(html, f"cal-{site.pk}-{task_id}") == ["2031-03-12"]
    response = move(client, site, task_id, "2031-03-14", **HTMX)
    assert response["HX-Retarget"] == "#calendar-status", response.content.decode()
    assert crm.tasks[task_id]["due_date"] == "2031-03-14"
    html = cal(client, view="week", date="2031-03-12")
    assert where(html, f"cal-{site.pk}-{task_id}") == ["2031-03-14"]


def test_an_overdue_task_is_marked_on_its_day(client, member, three_sites, standin, frozen_now):
    site = three_sites["cairo"].pk
    local = frozen_now.astimezone(ZoneInfo("Africa/Cairo")) - timedelta(days=2)
    [late] = insert(
        standin, "cairo", {"title": "Past due", "due_date": f"{local:%Y-%m-%d} 10:00:00"}
    )
    client.force_login(member)
    html = cal(client, view="week", date=local.date().isoformat())
    card = re.search(rf'<li class="cal-task overdue"\s+id="cal-{site}-{late}".*?</li>', html, re.S)
    assert card and "Overdue" in card.group(0)
    assert where(html, f"cal-{site}-{late}") == [local.date().isoformat()]
