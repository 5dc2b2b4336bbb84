"""Throughput of the embedded broker: `python bench/broker.py [--messages 100] [--idle 20]`.

Starts a real Celery worker (as `make run` starts it: prefork, two processes) on kombu's
filesystem transport in a throw-away data folder, enqueues no-op tasks (Celery's built-in
``celery.accumulate``, which returns its arguments) and prints how many the worker finished per
second, from the first send to the last "succeeded" line of its log; then as many again, each
sent when the previous one is done (how a chain of tasks sees the broker). Then it leaves the worker
idle and prints the CPU it used meanwhile (its main process polls the broker folder; the pool
processes sleep).

``CELERY_BROKER_POLLING_INTERVAL`` in the environment is passed on, so intervals can be compared:
    CELERY_BROKER_POLLING_INTERVAL=1 .venv/bin/python bench/broker.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (the pool), from /proc."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for each in pids:
        fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle measured")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-broker-")
    for name in ("DATABASE_URL", "REDIS_URL", "PORTAL_CLOCK_FILE"):
        os.environ.pop(name, None)
    os.environ.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_DATA_DIR": tmp})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from portal.celery import app

    call_command("migrate", verbosity=0)  # the worker's heartbeat-free start still opens the db
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    log_path = Path(tmp) / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel", "INFO",
             "--concurrency", "2", "-Q", queue, "--hostname", f"{queue}@bench"],
            cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log_path.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("worker did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.1)
        time.sleep(1)  # let the pool settle before timing

        started = time.perf_counter()
        for i in range(args.messages):
            app.send_task("celery.accumulate", args=[i], queue=queue)
        sent = time.perf_counter() - started
        deadline = time.monotonic() + 600
        while log_path.read_text().count("succeeded in") < args.messages:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("worker stopped or timed out:\n" + log_path.read_text()[-3000:])
            time.sleep(0.02)
        elapsed = time.perf_counter() - started

        # One at a time, each sent when the previous one is done (a chain: a scan, its plan,
        # its sends): here every message waits for the worker's next look at the folder.
        one_by_one = max(10, args.messages // 5)
        started = time.perf_counter()
        for i in range(one_by_one):
            app.send_task("celery.accumulate", args=[i], queue=queue)
            while log_path.read_text().count("succeeded in") < args.messages + i + 1:
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("worker stopped:\n" + log_path.read_text()[-3000:])
                time.sleep(0.005)
        chained = time.perf_counter() - started

        time.sleep(2)
        before = cpu_seconds(worker.pid)
        time.sleep(args.idle)
        idle = cpu_seconds(worker.pid) - before
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    interval = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("polling_interval", "kombu's 1.0")
    print(f"broker: filesystem transport, polling interval {interval} s")
    print(
        f"broker: {args.messages} no-op tasks in {elapsed:.2f} s "
        f"(sent in {sent:.2f} s): {args.messages / elapsed:.1f} messages/second"
    )
    print(
        f"broker: {one_by_one} no-op tasks one after another: {chained:.2f} s, "
        f"{one_by_one / chained:.1f} messages/second"
    )
    print(
        f"broker: idle worker used {idle:.2f} s of CPU in {args.idle:.0f} s "
        f"({100 * idle / args.idle:.1f} % of one core)"
    )


if __name__ == "__main__":
    main()
