"""The task page offers Acknowledge for an overdue task whose reminders may escalate, to anyone
who may see the site; afterwards it says who acknowledged, and its history shows the entry."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from portal.notifications.models import Acknowledgement, WatchedTask


def test_a_member_acknowledges_an_overdue_task_from_its_page(client, member, three_sites, standin):
    site = three_sites["riyadh"]
    now = clock.now()
    [task_id] = standin.sites["riyadh"].control.insert_tasks(
        [{"title": "Overdue call", "priority": "High", "assignees": ["sales1@riyadh.test"],
          "due_date": (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")}]
    )  # fmt: skip
    # What a scan would have written for it.
    WatchedTask.objects.create(
        site=site, task_id=str(task_id), bucket="overdue", episode="o:test",
        became_at=now - timedelta(days=1), title="Overdue call", seen_at=now,
    )  # fmt: skip
    client.force_login(member)
    url = f"/tasks/{site.pk}/{task_id}/"
    page = client.get(url).content.decode()
    assert "Acknowledge: I am on it" in page

    answer = client.post(f"/notifications/tasks/{site.pk}/{task_id}/acknowledge/", {"next": url})

    assert answer.status_code == 302 and answer["Location"] == url
    page = client.get(url).content.decode()
    assert "Acknowledged by <bdi>mona</bdi>" in page and "Acknowledge: I am on it" not in page
    assert "Acknowledged the task&#x27;s reminders" in page  # the page's history, in words
    assert "reminder_acknowledge" not in page
    assert Acknowledgement.objects.get().episode == "o:test"
