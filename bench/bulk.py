"""A bulk job of 1,000 tasks across 20 sites: `python bench/bulk.py [--sites 20] [--per-site 50]
[--workers 1] [--concurrency 2] [--latency-ms 0]`.

Starts one stand-in process serving the sites, a portal on a throw-away SQLite database with the
embedded broker, and real Celery workers (by default one, with two processes, as `make run`
starts it). A person connected to every site marks every task done in one bulk job, started
through the service the bulk form's view calls. The script then polls the progress page as
htmx does and prints: how long starting the job took (what the request does: write the job,
enqueue), how long until every row had its outcome, rows per second, the outcome of every row,
the writes each site received (one per row: nothing was done twice), and the time of one
progress answer listing all the rows.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-Pass-2026!"  # noqa: S105 - users of throw-away stand-in sites


def configure(tmp: str, queue: str) -> None:
    sys.path.insert(0, str(ROOT))
    for name in ("DATABASE_URL", "REDIS_URL", "PORTAL_CLOCK_FILE"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PORTAL_DATA_DIR": tmp,
            "INBOX_BULK_QUEUE": queue,
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "testserver,localhost",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def standin_config(sites: int) -> dict:
    def site(name: str) -> dict:
        return {
            "name": name,
            "flavour": "deployed",
            "time_zone": "UTC",
            "seed_size": 0,
            "users": [
                {
                    "name": f"sales1@{name}.test",
                    "email": f"sales1@{name}.test",
                    "first_name": "Sales",
                    "last_name": "One",
                    "password": PASSWORD,
                    "roles": ["Sales User"],
                }
            ],
            "oauth_clients": [
                {
                    "client_id": "portal",
                    "client_secret": "s",
                    "app_name": "Portal",
                    "redirect_uris": ["http://127.0.0.1:8000/sites/oauth/callback/"],
                    "skip_authorization": True,
                    "scopes": "all openid",
                }
            ],
        }

    return {"sites": [site(f"s{i:02d}") for i in range(1, sites + 1)]}


def portal_person(standin):
    from django.contrib.auth.models import User

    from portal.sites.models import Profile, Site, SiteGrant
    from portal.sites.services.connect import connection_by_password

    vocabulary = {
        "statuses": ["Todo", "Backlog", "In Progress", "Done", "Canceled", "late"],
        "priorities": ["Low", "Medium", "High"],
        "task_types": ["call", "property showing", "other"],
    }
    user = User.objects.create_user("many", password=PASSWORD)
    Profile.objects.create(user=user, role=Profile.Role.MEMBER)
    sites = {}
    for name, handle in standin.sites.items():
        site = Site.objects.create(
            name=name,
            base_url=handle.url,
            client_id="portal",
            time_zone="UTC",
            flavour="deployed",
            capabilities={"vocabulary": vocabulary},
        )
        SiteGrant.objects.create(site=site, user=user)
        connection_by_password(
            user=user, site=site, site_user=f"sales1@{name}.test", password=PASSWORD
        )
        sites[name] = site
    return user, sites


def start_workers(count: int, concurrency: int, queue: str, tmp: str) -> list:
    workers = []
    for i in range(count):
        log_path = Path(tmp) / f"worker-{i}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel", "INFO",
                 "--concurrency", str(concurrency), "-Q", queue, "--hostname", f"w{i}@bench"],
                cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        workers.append((process, log_path))
    for process, log_path in workers:
        deadline = time.monotonic() + 60
        while " ready." not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("worker did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.1)
    return workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--per-site", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every site request")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-bulk-")
    queue = f"bench-bulk-{uuid.uuid4().hex[:8]}"
    configure(tmp, queue)

    from django.test import Client

    from portal.tasks_ui.models import BulkJob
    from portal.tasks_ui.services.bulk import bulk_start, parse_keys
    from standin.testing import StandinProcess

    total = args.sites * args.per_site
    with StandinProcess(standin_config(args.sites), startup_timeout=120) as standin:
        user, sites = portal_person(standin)
        keys, marks = [], {}
        for name, handle in standin.sites.items():
            rows = [{"title": f"{name} task {i}", "status": "Todo"} for i in range(args.per_site)]
            keys += [f"{sites[name].pk}:{i}" for i in handle.control.insert_tasks(rows)]
            if args.latency_ms:
                handle.control.set_faults([{"kind": "latency", "ms": args.latency_ms}])
            marks[name] = max((e["seq"] for e in handle.control.log()), default=0)
        workers = start_workers(args.workers, args.concurrency, queue, tmp)
        try:
            client = Client()
            client.force_login(user)
            started = time.perf_counter()
            # What the bulk form's view calls. The form itself carries fewer rows: pages show
            # 50 tasks, and Django refuses a request of more than 1,000 fields (two a row).
            job_id = bulk_start(
                user=user, action="status", status="done", pairs=parse_keys(keys), titles={}
            )
            request_seconds = time.perf_counter() - started
            location = f"/tasks/bulk/{job_id}/"
            polls = []
            while True:
                poll_started = time.perf_counter()
                answer = client.get(location, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="progress")
                polls.append(time.perf_counter() - poll_started)
                if answer.status_code == 286:
                    break
                if time.perf_counter() - started > 1800:
                    raise SystemExit("the job did not finish in 30 minutes")
                time.sleep(max(0.0, 1.0 - polls[-1]))  # htmx polls every second
            elapsed = time.perf_counter() - started
            html = answer.content.decode()
            quiet = []  # the same answer with the workers idle
            for _ in range(5):
                poll_started = time.perf_counter()
                client.get(location, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="progress")
                quiet.append(time.perf_counter() - poll_started)
        finally:
            for process, _log in workers:
                process.terminate()
            for process, _log in workers:
                process.wait(timeout=60)
        time.sleep(0.2)  # the stand-in logs a request just after answering it
        writes = {
            name: sum(1 for e in handle.control.log(since=marks[name]) if e["method"] == "POST")
            for name, handle in standin.sites.items()
        }
        done = sum(
            1
            for handle in standin.sites.values()
            for row in handle.control.tasks(limit=100000)
            if row["status"] == "Done"
        )

    job = BulkJob.objects.get()
    outcomes = dict(
        (state, len(re.findall(f'data-state="{state}"', html)))
        for state in ("ok", "failed", "gone", "pending", "running")
    )
    print(
        f"bulk: {total} tasks across {args.sites} sites, {args.workers} worker(s) x "
        f"{args.concurrency} processes, {args.latency_ms} ms added per site request"
    )
    print(
        f"bulk: starting the job (rows written, {args.sites} messages sent) took "
        f"{request_seconds * 1000:.0f} ms"
    )
    recorded = (job.finished_at - job.created_at).total_seconds()
    print(
        f"bulk: every row had its outcome after {elapsed:.1f} s: {total / elapsed:.1f} rows/s "
        f"(the job's own finished_at - created_at: {recorded:.1f} s)"
    )
    print(f"bulk: rows on the progress page: {outcomes}; tasks Done at the sites: {done}")
    print(
        f"bulk: writes per site: min {min(writes.values())}, max {max(writes.values())} "
        f"(rows per site {args.per_site}); in all {sum(writes.values())}"
    )
    print(
        f"bulk: progress answer ({total} rows): median {statistics.median(polls) * 1000:.0f} ms, "
        f"max {max(polls) * 1000:.0f} ms over {len(polls)} polls while the job ran; "
        f"{statistics.median(quiet) * 1000:.0f} ms once it had finished"
    )


if __name__ == "__main__":
    main()
