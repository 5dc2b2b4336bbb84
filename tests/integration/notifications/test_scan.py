"""Scanning stand-in sites: the late bucket and the complete overdue scan, merged and classified
with the portal's one bucket definition; a failing site is recorded beside the others."""

from datetime import timedelta

import pytest

from portal.notifications.models import ScanRun, SiteScan, WatchedTask
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.notifications.services.scan import LATE_BUCKET_CHECK, site_fetch
from portal.sites.models import ServiceCredential, Site
from portal.sites.services.checks import site_check_record, site_checks
from tests.integration.notifications.conftest import T0
from tests.integration.notifications.servers import free_port

pytestmark = pytest.mark.django_db


def test_it_finds_overdue_tasks_the_late_bucket_misses_and_late_tasks_the_scan_misses(tasks, sites):
    riyadh = sites["riyadh"]
    # Switched to `late` by the site on save: only the overdue scan finds it [052, 230].
    switched = tasks.add("riyadh", title="switched", due=T0 - timedelta(days=2), save_rules=True)
    # Overdue by its due date, not switched yet (scheduler off [244]): found by both reads.
    unswitched = tasks.add("riyadh", title="not switched", due=T0 - timedelta(hours=3))
    # Started two days ago, no due date: only in the site's late bucket.
    late = tasks.add("riyadh", title="late", start=T0 - timedelta(days=2))
    # Started yesterday, due next week: the site calls it late [230: task 41]; so do we.
    due_later = tasks.add(
        "riyadh", title="due later", start=T0 - timedelta(days=1), due=T0 + timedelta(days=6)
    )
    # Neither: due later today, a finished overdue task, an upcoming one.
    tasks.add("riyadh", title="today", start=T0, due=T0 + timedelta(hours=3))
    tasks.add("riyadh", title="done", due=T0 - timedelta(days=3), status="Done")
    tasks.add("riyadh", title="upcoming", start=T0 + timedelta(days=2))

    fetched = site_fetch(site=riyadh, now=T0)

    assert fetched.ok, fetched.error
    kinds = {task_id: kind for task_id, (_, kind) in fetched.found.items()}
    assert kinds == {switched: "overdue", unswitched: "overdue", late: "late", due_later: "late"}


def test_requests_per_site_stay_within_pages_plus_three(tasks, sites, notify_standin):
    for n in range(3):
        tasks.add("riyadh", title=f"t{n}", due=T0 - timedelta(days=1), save_rules=True)
    handle = notify_standin.sites["riyadh"]
    handle.control.clear_log()

    fetched = site_fetch(site=sites["riyadh"], now=T0)

    logged = [e for e in handle.control.log() if not e["path"].startswith("/_standin")]
    assert len(logged) == fetched.requests
    overdue_pages = 1  # three rows: one page of the generic list
    assert len(logged) <= overdue_pages + 3


def test_a_big_late_bucket_is_read_whole_through_the_generic_list(tasks, sites, notify_standin):
    ids = {tasks.add("riyadh", title=f"late {n}", start=T0 - timedelta(days=2)) for n in range(7)}
    site_check_record(site=sites["riyadh"], name=LATE_BUCKET_CHECK, at=T0, ok=True, words="")
    handle = notify_standin.sites["riyadh"]
    handle.control.clear_log()

    fetched = site_fetch(site=sites["riyadh"], now=T0)

    assert set(fetched.found) == ids
    assert fetched.late_bucket_rows == 7
    paths = [e["path"] for e in handle.control.log() if not e["path"].startswith("/_standin")]
    assert not [p for p in paths if "main_page_buckets" in p]  # the expensive call is not made


def test_the_late_bucket_is_cross_checked_with_the_sites_own_once_a_day(
    tasks, sites, notify_standin, clocks
):
    """On a seeded site the generic list's late bucket is exactly main_page_buckets' late
    bucket; the check runs on the first scan of a day only, and its outcome stays with the site."""
    handle = notify_standin.sites["riyadh"]
    handle.control.seed(300, seed=7)
    riyadh = sites["riyadh"]

    run = scan_run_start(trigger="test", now=T0)
    scan_run_inline(run=run)

    riyadh.refresh_from_db()
    check = site_checks(riyadh)[LATE_BUCKET_CHECK]
    assert check["ok"] is True, check
    assert SiteScan.objects.get(run=run, site=riyadh).late_bucket_rows > 10  # seeded: not empty
    handle.control.clear_log()
    scan_run_inline(run=scan_run_start(trigger="test", now=T0))
    paths = [e["path"] for e in handle.control.log()]
    assert not [p for p in paths if "main_page_buckets" in p], "once a day, not every scan"


def test_a_late_bucket_that_differs_from_the_sites_own_is_recorded_with_the_site(
    tasks, sites, monkeypatch
):
    from portal.sites.backends.frappe import FrappeClient, SiteBuckets

    late = tasks.add("riyadh", title="late", start=T0 - timedelta(days=2))
    monkeypatch.setattr(
        FrappeClient, "main_page_buckets",
        lambda self, min_each: SiteBuckets(today=(), late=(), upcoming=(), min_each=min_each),
    )  # fmt: skip

    scan_run_inline(run=scan_run_start(trigger="test", now=T0))

    sites["riyadh"].refresh_from_db()
    check = site_checks(sites["riyadh"])[LATE_BUCKET_CHECK]
    assert check["ok"] is False
    assert f"only the generic list: {late}" in check["words"]
    assert WatchedTask.objects.filter(task_id=late).exists()  # the scan itself went on


def test_a_scan_run_records_each_site_and_a_failing_site_does_not_stop_the_others(tasks, sites):
    broken = Site.objects.create(
        name="Unreachable", base_url=f"http://127.0.0.1:{free_port()}", client_id="x",
        time_zone="UTC", flavour="deployed",
    )  # fmt: skip
    ServiceCredential.objects.create(site=broken, kind="api_key", api_key="k", api_secret="s")
    no_credential = Site.objects.create(
        name="No credential", base_url="http://127.0.0.1:9/", client_id="x", time_zone="UTC"
    )
    overdue = tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1))
    cairo_overdue = tasks.add("cairo", title="overdue in cairo", due=T0 - timedelta(hours=5))

    run = scan_run_start(trigger="test")
    scan_run_inline(run=run)

    scans = {s.site.name: s for s in SiteScan.objects.filter(run=run).select_related("site")}
    assert scans["Riyadh"].status == "ok" and scans["Riyadh"].overdue_count == 1
    assert scans["Cairo"].status == "ok" and scans["Cairo"].overdue_count == 1
    assert scans["Unreachable"].status == "failed"
    assert "Could not connect" in scans["Unreachable"].error
    assert scans["No credential"].status == "failed"
    assert "no service credential" in scans["No credential"].error
    broken.refresh_from_db()
    assert broken.last_error  # the sites page shows it too
    no_credential.refresh_from_db()
    watched = set(WatchedTask.objects.values_list("site__name", "task_id"))
    assert watched == {("Riyadh", overdue), ("Cairo", cairo_overdue)}
    assert ScanRun.objects.get(pk=run.pk).planned_at is not None


def test_a_task_no_longer_overdue_stops_being_watched(tasks, sites, notify_standin):
    task_id = tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1))
    scan_run_inline(run=scan_run_start(trigger="test"))
    assert WatchedTask.objects.filter(task_id=task_id).exists()

    notify_standin.sites["riyadh"].control.call(
        "POST", "/tasks", {"tasks": []}
    )  # no-op: the site is reached through its API below
    from portal.sites.services.clients import client_for_service

    client_for_service(sites["riyadh"]).update_status(task_id, "Done")
    scan_run_inline(run=scan_run_start(trigger="test"))

    assert not WatchedTask.objects.filter(task_id=task_id).exists()


def test_a_differing_late_bucket_shows_on_the_sites_health_and_page(client, sites, tasks):
    from django.contrib.auth.models import User

    from portal.sites.models import Profile

    admin = User.objects.create_user("ada", password="x-Very-Long-Pass-1")
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    site_check_record(
        site=sites["riyadh"], name=LATE_BUCKET_CHECK, at=T0, ok=False,
        words="late bucket cross-check differs: only the generic list: 7",
    )  # fmt: skip
    client.force_login(admin)
    html = client.get(f"/sites/{sites['riyadh'].pk}/").content.decode()
    assert "its late bucket differs from the portal" in html
    assert 'id="late-bucket-check"' in html and "only the generic list: 7" in html
