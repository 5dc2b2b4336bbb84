"""The report reflects a task finished through the portal or reported finished by a webhook at
once: it leaves the open and overdue counts, the aging, "most overdue" and the trend's newest
day, and counts as completed, without waiting for the next snapshot; the next snapshot then
agrees exactly."""

import json
import re
from datetime import date

import pytest

from portal.reports.models import Completion, SnapshotTask
from portal.reports.services.figures import Filters, report_build
from portal.reports.services.snapshot import snapshot_take
from portal.sites.backends.frappe.webhooks import sign
from tests.integration.reports.test_report_pages import PERIOD, lead  # noqa: F401 (fixture)
from tests.integration.reports.test_snapshots import (  # noqa: F401 (history is a fixture)
    S1,
    S2,
    at,
    complete,
    history,
)

pytestmark = pytest.mark.django_db(transaction=True)  # the task pages read sites in threads
SECRET = "report-webhook-secret"


def figures(site):
    report = report_build(Filters(sites=[site], since=date(2026, 11, 17), until=date(2026, 11, 23)))
    t = report.totals
    return {
        "open": t["open"], "overdue": t["overdue"], "done": t["done"],
        "cancelled": t["cancelled"], "on_time_rate": t["on_time_rate"],
        "aging": report.sites[0].aging,
        "worst": [task["id"] for task in report.worst],
        "people": {p.site_user_id: (p.open, p.overdue, p.done, p.done_on_time)
                   for p in report.people},
        "trend": report.trend[-1],
    }  # fmt: skip


def test_the_newest_snapshot_keeps_its_open_tasks_and_an_older_one_lets_them_go(lead):  # noqa: F811
    user, site, handle, names = lead
    first = site.snapshots.get()
    assert set(first.open_tasks.values_list("task_id", flat=True)) == {
        names["bank"],
        names["meeting"],
        names["old"],
        names["next"],
    }
    assert first.open_tasks.get(task_id=names["old"]).overdue_days == 14
    assert first.open_tasks.get(task_id=names["next"]).overdue_days is None
    second = snapshot_take(site=site)
    assert not SnapshotTask.objects.filter(snapshot=first).exists()
    assert second.open_tasks.count() == 4


def test_a_task_done_through_the_portal_leaves_the_report_at_once(client, lead):  # noqa: F811
    user, site, handle, names = lead
    before = figures(site)
    assert (before["open"], before["overdue"], before["worst"][0]) == (4, 3, names["old"])

    client.force_login(user)
    answer = client.post(f"/tasks/{site.pk}/{names['old']}/status/", {"status": "done"})
    assert answer.status_code == 302

    after = figures(site)
    assert (after["open"], after["overdue"], after["done"]) == (3, 2, 3)
    assert after["aging"] == {"1-3": 1, "4-7": 1, "8+": 0}
    assert after["worst"] == [names["meeting"], names["bank"]]
    assert after["people"][S1] == (2, 1, 2, 1)  # early (on time) and old (late) done
    assert after["on_time_rate"] == round(100 / 3, 1)
    assert after["trend"] == (date(2026, 11, 23), 2)
    body = client.get(f"/reports/?{PERIOD}").content.decode()
    assert re.findall(r'<span class="figure">([^<]+)</span>', body)[:3] == ["3", "2", "3"]
    assert "Old follow-up" not in body.split('id="worst-h"')[1].split("</section>")[0]
    done = client.get(f"/reports/completed/?site={site.pk}&{PERIOD}&status=done").content
    assert "Old follow-up" in done.decode()

    # The next snapshot sees the same: nothing taken twice, the completion booked once.
    snapshot_take(site=site)
    assert figures(site) == after
    assert Completion.objects.filter(task_id=names["old"], portal_status="done").count() == 1


def test_a_webhook_saying_a_task_is_done_updates_the_report(client, lead):  # noqa: F811
    user, site, handle, names = lead
    site.webhook_secret = SECRET
    site.save()
    complete(site, names["meeting"])  # on the site, not through the portal
    assert figures(site)["overdue"] == 3  # the portal does not know yet

    body = json.dumps({"name": names["meeting"], "title": "اجتماع مع العميل",
                       "status": "Done", "priority": "Medium"}).encode()  # fmt: skip
    response = client.post(
        f"/notifications/webhooks/{site.pk}/", data=body, content_type="application/json",
        headers={"X-Frappe-Webhook-Signature": sign(SECRET, body)},
    )  # fmt: skip
    assert response.status_code == 200, response.content

    after = figures(site)
    assert (after["open"], after["overdue"], after["done"]) == (3, 2, 3)
    assert after["aging"] == {"1-3": 1, "4-7": 0, "8+": 1}
    assert after["worst"] == [names["old"], names["bank"]]
    assert after["people"][S2] == (0, 0, 2, 0)  # finished late, as "Finished late" was
    snapshot_take(site=site)
    assert figures(site) == after


def test_a_task_finished_and_opened_again_stays_in_the_report(client, lead):  # noqa: F811
    user, site, handle, names = lead
    before = figures(site)
    client.force_login(user)
    client.post(f"/tasks/{site.pk}/{names['bank']}/status/", {"status": "done"})
    assert figures(site)["overdue"] == 2
    client.post(f"/tasks/{site.pk}/{names['bank']}/status/", {"status": "open"})
    assert figures(site) == before


def test_a_write_the_site_refused_changes_nothing(client, lead):  # noqa: F811
    user, site, handle, names = lead
    before = figures(site)
    client.force_login(user)
    handle.control.set_faults([{"kind": "error", "status": 503}])
    client.post(f"/tasks/{site.pk}/{names['old']}/status/", {"status": "done"})
    handle.control.clear_faults()
    assert figures(site) == before


def test_a_task_deleted_through_the_portal_leaves_the_counts_without_counting_as_done(
    client,
    lead,  # noqa: F811
):
    user, site, handle, names = lead
    client.force_login(user)
    assert client.post(f"/tasks/{site.pk}/{names['meeting']}/delete/").status_code == 302
    after = figures(site)
    assert (after["open"], after["overdue"], after["done"], after["cancelled"]) == (3, 2, 2, 1)
    assert after["worst"] == [names["old"], names["bank"]]
    assert after["people"][S2] == (0, 0, 1, 0)
    snapshot_take(site=site)
    assert figures(site) == after


def test_a_task_finished_again_after_reopening_counts_once(client, lead):  # noqa: F811
    user, site, handle, names = lead
    # "Call the bank" was finished on the 18th and opened again before the snapshot.
    Completion.objects.create(site=site, task_id=names["bank"], portal_status="done",
                              finished_at=at("2026-11-18 10:00"), source="poll")  # fmt: skip
    assert figures(site)["done"] == 3
    client.force_login(user)
    client.post(f"/tasks/{site.pk}/{names['bank']}/status/", {"status": "done"})
    after = figures(site)
    assert (after["done"], after["open"], after["overdue"]) == (3, 3, 2)
    snapshot_take(site=site)
    assert figures(site) == after


def test_deleting_a_task_keeps_its_earlier_completion(client, lead):  # noqa: F811
    user, site, handle, names = lead
    Completion.objects.create(site=site, task_id=names["meeting"], portal_status="done",
                              finished_at=at("2026-11-18 10:00"), source="poll")  # fmt: skip
    client.force_login(user)
    client.post(f"/tasks/{site.pk}/{names['meeting']}/delete/")
    after = figures(site)
    assert (after["done"], after["open"], after["overdue"]) == (3, 3, 2)
    snapshot_take(site=site)
    assert figures(site) == after
