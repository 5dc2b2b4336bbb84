"""Scan runs: every active site scanned on its own (one Celery task each, or threads in the
command), each failure kept to its site, then one plan for the run.

A run is planned exactly once: by whoever finishes its last site (a conditional update decides),
or by the sweeper when a site's scan is lost (its worker killed) and the run's deadline passed.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F

from portal import clock, metrics
from portal.notifications.models import ScanRun, SiteScan, WatchedTask
from portal.notifications.services.plan import PlannedDelivery, reminders_plan
from portal.notifications.services.scan import (
    LATE_BUCKET_CHECK,
    Fetched,
    FetchPlan,
    site_fetch,
    site_fetch_prepare,
    site_fetch_run,
    watched_apply,
)
from portal.sites.models import Site
from portal.sites.services import clients
from portal.sites.services.checks import site_check_record

log = logging.getLogger(__name__)


def scan_run_start(
    *, trigger: str, site_ids: list[int] | None = None, now: datetime | None = None
) -> ScanRun:
    now = now or clock.now()
    sites = Site.objects.filter(is_active=True)
    if site_ids is not None:
        sites = sites.filter(pk__in=site_ids)
    sites = list(sites)
    deadline = now + timedelta(seconds=2 * settings.NOTIFY_SITE_SCAN_TIMEOUT + 60)
    with transaction.atomic():
        run = ScanRun.objects.create(
            started_at=clock.now(), now=now, trigger=trigger, sites_total=len(sites),
            deadline=deadline,
        )  # fmt: skip
        SiteScan.objects.bulk_create([SiteScan(run=run, site=site) for site in sites])
    return run


def site_scan_record(*, site_scan: SiteScan, fetched: Fetched) -> None:
    """Books one site's outcome; on success brings its watched tasks up to date."""
    now = clock.now()
    site_scan.finished_at = now
    site_scan.requests = fetched.requests
    if fetched.ok:
        with transaction.atomic():
            current = watched_apply(fetched=fetched)
            site_scan.status = SiteScan.Status.OK
            site_scan.overdue_count = sum(1 for w in current if w.bucket == "overdue")
            site_scan.late_count = sum(1 for w in current if w.bucket == "late")
            site_scan.late_bucket_rows = fetched.late_bucket_rows
            site_scan.save()
        metrics.scan_observed(
            site=fetched.site.name, ok=True, seconds=fetched.seconds,
            overdue=site_scan.overdue_count, late=site_scan.late_count,
        )  # fmt: skip
        clients.site_succeeded(fetched.site)
        late_bucket_check_record(fetched=fetched, now=now)
    else:
        site_scan.status = SiteScan.Status.FAILED
        site_scan.error = fetched.error[:2000]
        site_scan.save()
        metrics.scan_observed(site=fetched.site.name, ok=False, seconds=fetched.seconds,
                              overdue=0, late=0)  # fmt: skip
        clients.site_failed(fetched.site, Exception(fetched.error))
        log.warning("scan of site %s failed: %s", fetched.site.pk, fetched.error)


def late_bucket_check_record(*, fetched: Fetched, now) -> None:
    """The daily cross-check's outcome, kept with the site (shown with its health)."""
    if fetched.cross_check is not None:
        check = fetched.cross_check
        site_check_record(
            site=fetched.site, name=LATE_BUCKET_CHECK, at=now, ok=check.agrees, words=check.words()
        )
        if not check.agrees:
            log.warning("site %s: %s", fetched.site.pk, check.words())
    elif fetched.cross_check_error:
        site_check_record(
            site=fetched.site, name=LATE_BUCKET_CHECK, at=now, ok=None,
            words=f"late bucket cross-check could not run: {fetched.cross_check_error}",
        )  # fmt: skip


def site_scan_execute(*, site_scan_id: int) -> bool:
    """The worker's part for one site. Returns True when this call finished the run's last
    site (the caller then plans the run)."""
    now = clock.now()
    claimed = SiteScan.objects.filter(pk=site_scan_id, status=SiteScan.Status.QUEUED).update(
        status=SiteScan.Status.RUNNING, started_at=now
    )
    if claimed != 1:
        return False
    site_scan = SiteScan.objects.select_related("run", "site").get(pk=site_scan_id)
    try:
        fetched = site_fetch(site=site_scan.site, now=site_scan.run.now)
    except Exception as exc:  # a bug or a time limit must still close this site's part
        fetched = Fetched(site=site_scan.site, now=site_scan.run.now, error=f"{exc!r}"[:500])
    site_scan_record(site_scan=site_scan, fetched=fetched)
    return scan_run_site_done(run_id=site_scan.run_id)


def scan_run_site_done(*, run_id: int) -> bool:
    ScanRun.objects.filter(pk=run_id).update(sites_done=F("sites_done") + 1)
    run = ScanRun.objects.get(pk=run_id)
    return run.sites_done >= run.sites_total


def scan_run_plan(*, run_id: int) -> list[PlannedDelivery]:
    """Plans the run's reminders from the sites it scanned successfully; once per run."""
    if (
        ScanRun.objects.filter(pk=run_id, planned_at__isnull=True).update(planned_at=clock.now())
        != 1
    ):
        return []
    run = ScanRun.objects.get(pk=run_id)
    ok_sites = list(
        SiteScan.objects.filter(run=run, status=SiteScan.Status.OK).values_list(
            "site_id", flat=True
        )
    )
    tasks = list(WatchedTask.objects.filter(site_id__in=ok_sites, closed_seq__isnull=True))
    planned = reminders_plan(tasks=tasks, site_ids=ok_sites, now=run.now, run=run)
    ScanRun.objects.filter(pk=run_id).update(
        deliveries_planned=len(planned), finished_at=clock.now()
    )
    return planned


def scan_runs_sweep() -> list[int]:
    """Site scans whose worker vanished are failed after the run's deadline, and their runs
    planned. Returns the runs that now need planning."""
    now = clock.now()
    late = SiteScan.objects.filter(
        status__in=[SiteScan.Status.QUEUED, SiteScan.Status.RUNNING], run__deadline__lt=now
    )
    for site_scan in late.select_related("site"):
        lost = SiteScan.objects.filter(pk=site_scan.pk, status=site_scan.status).update(
            status=SiteScan.Status.FAILED,
            finished_at=now,
            error="The scan did not finish in time (its worker may have stopped).",
        )
        if lost:
            ScanRun.objects.filter(pk=site_scan.run_id).update(sites_done=F("sites_done") + 1)
    return list(
        ScanRun.objects.filter(planned_at__isnull=True)
        .filter(sites_done__gte=F("sites_total"))
        .values_list("pk", flat=True)
    )


# --- the inline path: the scan_overdue command and the benchmark --------------------------------


def _fetch_in_thread(plan: FetchPlan, now: datetime) -> Fetched:
    try:
        return site_fetch_run(plan=plan, now=now)
    except Exception as exc:  # keep one site's bug to that site
        return Fetched(site=plan.site, now=now, seq=plan.seq, error=f"{exc!r}"[:500])
    finally:
        close_old_connections()  # an OAuth refresh may have used this thread's connection


def sites_fetch(*, sites: list[Site], now: datetime) -> list[Fetched]:
    """Reads many sites at once, each bounded by the client's timeouts; the database is read
    here, the threads only talk HTTP."""
    if not sites:
        return []
    plans = [site_fetch_prepare(site=site) for site in sites]
    workers = max(1, min(settings.NOTIFY_SCAN_CONCURRENCY, len(sites)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scan") as pool:
        return list(pool.map(lambda plan: _fetch_in_thread(plan, now), plans))


def scan_run_inline(*, run: ScanRun) -> list[PlannedDelivery]:
    scans = list(SiteScan.objects.filter(run=run).select_related("site"))
    SiteScan.objects.filter(run=run).update(status=SiteScan.Status.RUNNING, started_at=clock.now())
    for site_scan, fetched in zip(
        scans, sites_fetch(sites=[s.site for s in scans], now=run.now), strict=True
    ):
        site_scan_record(site_scan=site_scan, fetched=fetched)
    ScanRun.objects.filter(pk=run.pk).update(sites_done=len(scans))
    return scan_run_plan(run_id=run.pk)


def scan_dry_run(
    *, sites: list[Site], now: datetime
) -> tuple[list[Fetched], list[PlannedDelivery]]:
    """What a scan now would send, writing nothing."""
    fetched = sites_fetch(sites=sites, now=now)
    tasks: list[WatchedTask] = []
    for one in fetched:
        if one.ok:
            tasks.extend(watched_apply(fetched=one, dry_run=True))
    ok_sites = [one.site.pk for one in fetched if one.ok]
    return fetched, reminders_plan(tasks=tasks, site_ids=ok_sites, now=now, dry_run=True)
