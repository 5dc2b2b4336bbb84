"""The calendar: a month or a week of tasks by the day they are due on their site, and moving a
task to another day through the site (the move counts only once the site's answer shows it)."""

import re
from datetime import timedelta

import pytest

from portal.sites.models import AuditEntry, Connection

pytestmark = pytest.mark.django_db(transaction=True)


def cal(client, **params):
    query = "&".join(f"{k}={v}" for k, v in {"scope": "all", **params}.items())
    response = client.get(f"/tasks/calendar/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def days_of(html: str) -> dict[str, list[str]]:
    """Each shown day and the stable ids of the tasks in it, in page order."""
    out: dict[str, list[str]] = {}
    for day, body in re.findall(
        r'<section class="cal-day[^"]*"\s+aria-labelledby="day-[\d-]+" data-day="([\d-]+)">(.*?)</section>',
        html,
        re.S,
    ):
        out[day] = re.findall(r'<li class="cal-task[^"]*"\s+id="(cal-\d+-[^"]+)"', body)
    return out


def insert(standin, name, *rows):
    return standin.sites[name].control.insert_tasks(
        [{"status": "Open", "priority": "Medium", **row} for row in rows]
    )


def test_the_page_renders(client, member, three_sites, standin):
    [a] = insert(standin, "riyadh", {"title": "Pay the rent", "due_date": "2031-03-12 10:00:00"})
    client.force_login(member)
    html = cal(client, view="month", date="2031-03-01")
    site = three_sites["riyadh"].pk
    assert days_of(html)["2031-03-12"] == [f"cal-{site}-{a}"]
