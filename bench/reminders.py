"""Benchmark of reminders: one stand-in process serving many sites full of overdue tasks and
tasks due within the day, scanned, planned and sent by the portal (one rule: overdue digests and
reminders a day and an hour before the due time).

    python bench/reminders.py            # 50 sites x 2,000 overdue + 2,000 due soon
    python bench/reminders.py --quick    # 5 sites x 200 + 200 (CI)

It runs on its own data folder (a fresh SQLite database and embedded broker in a temporary
directory; REDIS_URL is honoured), with the portal clock and the stand-ins' clocks frozen together.

Figures:
- scan + plan + enqueue, inline (the scan_overdue command's path): the sites' reads, the watched
  tasks written, the plan written and enqueued; the baseline is the same reads alone through the
  client (no portal bookkeeping), measured in this run;
- requests per site, counted in each stand-in site's own request log, against the pages of the
  overdue listing (aim: pages + 3 at most);
- a real Celery worker process sending the planned digests to a local SMTP server, then running a
  full scan through beat's task (scan_all → scan_site per site → plan_run): wall time and the
  worker's peak memory (VmHWM) against its memory when idle;
- a second scan sends nothing (checked, and it exits non-zero otherwise);
- the summary line ``reminders: S sites x O overdue + D due soon: plan T s, N deliveries,
  second scan 0``: the sizes used, the inline plan's time (plan + ledger + enqueue), the
  deliveries it wrote and what the worker's second scan added.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ZONES = ("Asia/Riyadh", "Africa/Cairo", "UTC", "Asia/Dubai", "Europe/London")
PAGE = 500  # the client's page of the generic list


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 sites x 200 + 200 tasks (CI)")
    parser.add_argument("--sites", type=int, help="number of sites (default 50, quick 5)")
    parser.add_argument("--tasks", type=int, help="overdue tasks per site (default 2000)")
    parser.add_argument("--soon", type=int, help="tasks due soon per site (default: --tasks)")
    parser.add_argument("--people", type=int, default=40, help="assignees, shared by the sites")
    return parser.parse_args()


def setup_django(data_dir: Path, clock_file: Path, queue: str, smtp_port: int) -> dict:
    env = {
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_CLOCK_FILE": str(clock_file),
        "NOTIFY_QUEUE": queue,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.pop("DATABASE_URL", None)  # always a fresh database of its own
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def start_smtp_sink():
    from aiosmtpd.controller import Controller

    class Sink:
        count = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            Sink.count += 1
            return "250 OK"

    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, Sink, port


def standin_config(n_sites: int) -> dict:
    sites = []
    for i in range(n_sites):
        name = f"site{i:02d}"
        sites.append(
            {
                "name": name,
                "flavour": "deployed",
                "time_zone": ZONES[i % len(ZONES)],
                "seed_size": 0,
                "clock": {"mode": "frozen", "now": NOW.isoformat()},
                "users": [
                    {
                        "name": f"bot@{name}.test",
                        "password": "Pass-2026!",
                        "roles": ["Sales User"],
                        "api_key": f"key{i:04d}",
                        "api_secret": f"secret{i:04d}",
                    }
                ],
            }  # fmt: skip
        )
    return {"sites": sites}


BEFORE_DUE = [1440, 60]  # the rule's reminders before the due time: a day and an hour


def fill(handle, zone: str, n_tasks: int, people: int, offset: int, n_soon: int = 0) -> None:
    """Overdue tasks: four in five already switched to `late` by the site (as a live site
    does), the rest still Todo (and so also in the site's late bucket); then tasks due within
    the coming day (started today), each due one reminder before its due time."""
    local = ZoneInfo(zone)
    rows = []
    for n in range(n_soon):
        due = NOW + timedelta(minutes=5 + (n * 7) % (24 * 60 - 10))
        rows.append(
            {
                "title": f"Task due soon {n}",
                "start_date": NOW.astimezone(local).strftime("%Y-%m-%d %H:%M:%S"),
                "due_date": due.astimezone(local).strftime("%Y-%m-%d %H:%M:%S"),
                "priority": ("High", "Medium", "Low")[n % 3],
                "task_type": "call",
                "status": "Todo",
                "assignees": [f"person{(n + offset) % people}@bench.test"],
            }
        )
    for n in range(n_tasks):
        due = NOW - timedelta(hours=1 + (n * 7) % (24 * 20))
        start = due - timedelta(days=1)
        rows.append(
            {
                "title": f"Overdue task {n}",
                "start_date": start.astimezone(local).strftime("%Y-%m-%d %H:%M:%S"),
                "due_date": due.astimezone(local).strftime("%Y-%m-%d %H:%M:%S"),
                "priority": ("High", "Medium", "Low")[n % 3],
                "task_type": "call",
                "status": "late" if n % 5 else "Todo",
                "assignees": [f"person{(n + offset) % people}@bench.test"],
            }
        )
    for start in range(0, len(rows), 1000):
        handle.control.insert_tasks(rows[start : start + 1000])


def register(standin) -> list:
    from portal.notifications.models import Channel, Rule
    from portal.sites.models import ServiceCredential, Site

    sites = []
    for i, (name, handle) in enumerate(sorted(standin.sites.items())):
        site = Site.objects.create(
            name=name,
            base_url=handle.url,
            client_id="bench",
            flavour="deployed",
            time_zone=ZONES[i % len(ZONES)],
        )
        ServiceCredential.objects.create(
            site=site, kind="api_key", api_key=f"key{i:04d}", api_secret=f"secret{i:04d}"
        )
        sites.append(site)
    Channel.objects.create(name="Email", kind="email")
    Rule.objects.create(
        name="Overdue digest", repeat_every_hours=24, max_repeats=3, before_due_minutes=BEFORE_DUE
    )
    return sites


def site_requests(standin) -> dict[str, int]:
    counts = {}
    for name, handle in standin.sites.items():
        counts[name] = sum(1 for e in handle.control.log() if not e["path"].startswith("/_standin"))
    return counts


def clear_logs(standin) -> None:
    for handle in standin.sites.values():
        handle.control.clear_log()


def memory_kib(pid: int) -> dict[str, int]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool",
            "solo",
            "-Q",
            env["NOTIFY_QUEUE"],
            "--hostname",
            f"bench-{uuid.uuid4().hex[:6]}@bench",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    # With --loglevel WARNING "ready." is not printed: wait for the broker connection instead.
    from portal.celery import app

    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("worker died:\n" + log.read_text()[-2000:])
        replies = app.control.ping(timeout=0.5) or []
        if replies:
            return process
    raise SystemExit("worker did not start")


def wait(predicate, what: str, timeout: float = 1800) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)
    return time.monotonic() - started


def main() -> int:
    args = parse_args()
    n_sites = args.sites or (5 if args.quick else 50)
    n_tasks = args.tasks or (200 if args.quick else 2000)
    n_soon = n_tasks if args.soon is None else args.soon
    data = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    smtp, sink, smtp_port = start_smtp_sink()
    env = setup_django(data, data / "clock.json", queue, smtp_port)

    from django.db import connection

    from portal import clock
    from portal.notifications.models import Delivery, ScanRun
    from portal.notifications.services.runs import (
        scan_run_plan,
        scan_run_start,
        site_scan_record,
        sites_fetch,
    )
    from portal.notifications.tasks import scan_all
    from portal.sites.backends.frappe.overdue import overdue_and_late
    from portal.sites.services.clients import client_for_service
    from standin.testing import StandinProcess

    clock.set_clock(data / "clock.json", frozen=NOW)
    broker = "redis" if os.environ.get("REDIS_URL") else "embedded"
    print(
        f"benchmark: {n_sites} sites x {n_tasks} overdue tasks + {n_soon} due soon, "
        f"{args.people} people "
        f"({connection.vendor}, broker {broker})"
    )
    with StandinProcess(standin_config(n_sites), startup_timeout=120) as standin:
        started = time.monotonic()
        for i, (_, handle) in enumerate(sorted(standin.sites.items())):
            fill(handle, ZONES[i % len(ZONES)], n_tasks, args.people, offset=i, n_soon=n_soon)
        sites = register(standin)
        print(f"setup: {time.monotonic() - started:.1f} s")

        # Baseline: the client's reads alone, same concurrency, no portal bookkeeping.
        from concurrent.futures import ThreadPoolExecutor

        from django.conf import settings

        clients = [client_for_service(site) for site in sites]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=settings.NOTIFY_SCAN_CONCURRENCY) as pool:
            horizon = timedelta(minutes=max(BEFORE_DUE))
            reads = list(
                pool.map(lambda c: overdue_and_late(c, now=NOW, due_within=horizon), clients)
            )
        baseline = time.monotonic() - started
        found = sum(len(r.found) for r in reads)
        assert found == n_sites * (n_tasks + n_soon), f"the reads found {found} tasks"

        # The inline path (scan_overdue): reads, watched tasks, plan, ledger rows, enqueue.
        clear_logs(standin)
        run = scan_run_start(trigger="bench", now=NOW)
        from portal.notifications.models import SiteScan

        scans = list(SiteScan.objects.filter(run=run).select_related("site"))
        t0 = time.monotonic()
        fetched = sites_fetch(sites=[s.site for s in scans], now=run.now)
        t1 = time.monotonic()
        for site_scan, one in zip(scans, fetched, strict=True):
            site_scan_record(site_scan=site_scan, fetched=one)
        t2 = time.monotonic()
        planned = scan_run_plan(run_id=run.pk)  # writes deliveries; enqueues them on commit
        t3 = time.monotonic()
        requests = site_requests(standin)
        deliveries = Delivery.objects.count()
        items = sum(len(p.items) for p in planned)
        total = t3 - t0
        plan_seconds = t3 - t2
        planned_deliveries = deliveries
        # The overdue listing holds the tasks due soon too; the last page is the short one.
        pages = (n_tasks + n_soon) // PAGE + 1
        print(
            f"scan + plan + enqueue (inline, {settings.NOTIFY_SCAN_CONCURRENCY} threads): "
            f"{total:.2f} s  [reads {t1 - t0:.2f} s, watched tasks {t2 - t1:.2f} s, "
            f"plan + ledger + enqueue {t3 - t2:.2f} s]"
        )
        print(
            f"  baseline (the client's reads alone): {baseline:.2f} s; ratio {total / baseline:.2f}"
        )
        print(
            f"  planned: {deliveries} digests covering {items} task reminders "
            f"({items / total:.0f} reminders/s)"
        )
        print(
            f"requests per site: max {max(requests.values())}, min {min(requests.values())}; "
            f"pages of the overdue listing {pages}; aim pages + 3 = {pages + 3}: "
            f"{'met' if max(requests.values()) <= pages + 3 else 'NOT MET'}"
        )

        # A real worker: a first full scan through beat's task (scan_all → scan_site per site →
        # plan_run → send_delivery per digest), then a second one that must send nothing.
        from portal.notifications.models import ReminderState, WatchedTask

        Delivery.objects.all().delete()
        ReminderState.objects.all().delete()
        WatchedTask.objects.all().delete()
        worker = start_worker(env, data / "worker.log")
        try:
            idle = memory_kib(worker.pid)
            sent_before = sink.count

            def scan_through_worker() -> tuple[float, ScanRun]:
                known = set(ScanRun.objects.values_list("pk", flat=True))
                begun = time.monotonic()
                scan_all.apply_async(queue=queue)
                wait(
                    lambda: (
                        ScanRun.objects.exclude(pk__in=known)
                        .filter(finished_at__isnull=False)
                        .exists()
                    ),
                    "a scan",
                )
                planned_in = time.monotonic() - begun
                wait(lambda: not Delivery.objects.exclude(status="sent").exists(), "the sends")
                return planned_in, time.monotonic() - begun

            clear_logs(standin)
            first_plan, first_all = scan_through_worker()
            deliveries = Delivery.objects.count()
            first_emails = sink.count - sent_before
            print(
                f"worker, first scan (scan_all → {n_sites} scan_site → plan_run): planned "
                f"in {first_plan:.2f} s, {first_emails} emails sent by {first_all:.2f} s"
            )
            clear_logs(standin)
            sent_before = sink.count
            second_plan, _ = scan_through_worker()
            time.sleep(1)
            new = Delivery.objects.count() - deliveries
            requests = site_requests(standin)
            print(
                f"worker, second scan: {second_plan:.2f} s (ratio to the first "
                f"{second_plan / first_plan:.2f}); new deliveries {new}, new emails "
                f"{sink.count - sent_before}; requests per site max "
                f"{max(requests.values())}"
            )
            peak = memory_kib(worker.pid)
            ratio = peak["VmHWM"] / idle["VmRSS"]
            print(
                f"worker memory: idle {idle['VmRSS'] / 1024:.0f} MiB, "
                f"peak {peak['VmHWM'] / 1024:.0f} MiB (ratio {ratio:.2f})"
            )
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            smtp.stop()
    ok = new == 0 and first_emails == deliveries
    print(
        f"reminders: {n_sites} sites x {n_tasks} overdue + {n_soon} due soon: "
        f"plan {plan_seconds:.2f} s, {planned_deliveries} deliveries, second scan {new}"
    )
    print("result: " + ("ok" if ok else "FAILED: a second scan sent something, or a send was lost"))
    figures = {
        "sites": n_sites,
        "tasks_per_site": n_tasks,
        "due_soon_per_site": n_soon,
        "plan_seconds": round(plan_seconds, 2),
        "planned_deliveries": planned_deliveries,
        "inline_seconds": round(total, 2),
        "baseline_seconds": round(baseline, 2),
        "requests_per_site_max": max(requests.values()),
        "pages": pages,
        "worker_first_scan_seconds": round(first_plan, 2),
        "worker_peak_mib": round(peak["VmHWM"] / 1024),
        "second_scan_new_deliveries": new,
    }
    print(json.dumps(figures))
    return 0 if ok and max(requests.values()) <= pages + 3 else 1


if __name__ == "__main__":
    sys.exit(main())
