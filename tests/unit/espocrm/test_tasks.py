"""Task records as the site answers them: statuses, Deferred, Urgent, dates and all-day days."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from portal.sites.backends.base import SiteSettings
from portal.sites.backends.espocrm.backend import EspoBackend
from portal.sites.backends.espocrm.tasks import PRIORITY_ORDER, parse_task
from portal.sites.buckets import bucket, portal_status

from .conftest import JDOE, RECORDED_NOW, open_backend
from .recordings import BASE, body_of

UTC_ZONE = ZoneInfo("UTC")


def task(number: str, zone=UTC_ZONE):
    return parse_task(body_of(number), zone=zone, site="Lab")


def test_datetimes_are_utc_and_shown_in_the_sites_zone():
    found = task("063", ZoneInfo("Asia/Dubai"))
    assert found.due_date == datetime(2026, 12, 3, 7, 15, tzinfo=UTC)
    assert found.due_date.utcoffset().total_seconds() == 4 * 3600
    assert found.start_date == datetime(2026, 12, 2, 9, 15, tzinfo=UTC)
    assert found.assignees[0].user_id == JDOE and found.assignees[0].full_name == "John Doe"


def test_an_all_day_task_due_today_is_not_overdue_until_that_day_ends_on_the_site():
    found = task("159")  # dateEndDate 2026-12-10 [159]
    assert found.due_is_day and found.due_date == datetime(2026, 12, 11, tzinfo=UTC)
    assert bucket(found, datetime(2026, 12, 10, 23, 30, tzinfo=UTC)) == "today"
    assert bucket(found, datetime(2026, 12, 11, 0, 30, tzinfo=UTC)) == "overdue"


def test_an_all_day_due_day_is_judged_in_the_sites_zone_not_the_servers_utc_midnight():
    found = task("045", ZoneInfo("Asia/Dubai"))  # dateEndDate 2026-11-30
    dubai_evening = datetime(2026, 11, 30, 19, 30, tzinfo=UTC)  # 23:30 on the 30th in Dubai
    assert bucket(found, dubai_evening) == "today"
    assert bucket(found, datetime(2026, 11, 30, 20, 30, tzinfo=UTC)) == "overdue"


def test_an_all_day_start_is_the_start_day():
    found = task("042")  # dateStartDate 2026-12-04, dateEndDate 2026-12-05
    assert found.start_date == datetime(2026, 12, 4, tzinfo=UTC)
    assert found.due_date == datetime(2026, 12, 6, tzinfo=UTC)
    assert bucket(found, datetime(2026, 12, 4, 12, tzinfo=UTC)) == "today"


def test_a_deferred_task_past_its_end_is_finished_not_overdue():
    found = task("048")
    assert found.status == "Deferred" and found.portal_status == "cancelled"
    assert not found.is_open and bucket(found, RECORDED_NOW) is None
    assert portal_status("Deferred") == "cancelled"  # the portal's own mapping agrees


def test_finished_statuses_are_the_sites_not_actual_ones(site):
    assert open_backend(site).finished_statuses() == ("Completed", "Canceled", "Deferred")
    assert tuple(body_of("109")["notActualOptions"]) == ("Completed", "Canceled", "Deferred")


def test_started_is_in_progress_and_not_started_open():
    assert task("044").portal_status == "in_progress"
    assert task("041").portal_status == "open"


def test_urgent_is_kept_as_the_sites_value_and_ranks_above_high():
    found = task("044")
    assert found.priority == "Urgent" and found.extra == {}
    assert EspoBackend.portal_priority("Urgent") == EspoBackend.portal_priority("High") == "high"
    assert EspoBackend.portal_priority("Normal") == "medium"
    assert PRIORITY_ORDER.index("Urgent") < PRIORITY_ORDER.index("High")
    listed = [r["priority"] for r in body_of("076")["list"]]  # the site orders Urgent first too
    assert listed[:2] == ["Urgent", "High"]


def test_is_overdue_is_never_read_from_the_site():
    assert "isOverdue" not in body_of("106")  # not returned by GET [106]
    assert bucket(task("106"), RECORDED_NOW) == "overdue"  # judged from dateEnd instead


def test_the_deep_link_is_the_sites_hash_route():
    settings = SiteSettings(name="Lab", base_url=BASE + "/")
    assert EspoBackend.task_link(settings, "6b0fc574c4c300202") == (
        f"{BASE}/#Task/view/6b0fc574c4c300202"
    )


def test_a_name_in_php_escapes_reads_as_text():
    assert task("176").title == "Zahlung über 5€ / Ahmed أحمد"


def test_the_registry_opens_espocrm_sites_by_their_kind():
    from portal.sites.backends import backend_class

    assert backend_class("espocrm") is EspoBackend and EspoBackend.kind == "espocrm"
    assert EspoBackend.features.password_sign_in and EspoBackend.features.webhooks
