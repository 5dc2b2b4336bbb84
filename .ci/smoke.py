"""Smoke test of the embedded default: the README's run command on a bare machine.

Runs `make run` with no DATABASE_URL and no REDIS_URL in a fresh data folder, waits until
/healthz shows a heartbeat that went through the worker, then stops it with SIGTERM and
expects a clean exit. Exit status 0 only if all of that holds.
"""

import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports (the stand-in puts its demo sites on
    consecutive ports). Chosen below Linux's ephemeral range (32768+), where the system's own
    outgoing connections could take the second port between our check and the stand-in's bind.
    """
    for _ in range(500):
        base = random.randint(20000, 32000 - count)
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise SystemExit("smoke: no free ports")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def worker_scans_on_metrics(url: str, token: str, deadline: float) -> str:
    """The demo's scan runs in the worker; the web's /metrics must show it (the processes share
    their multiprocess folder). The scan lines, or "" when they never appeared."""
    while time.monotonic() < deadline:
        try:
            headers = {"Authorization": f"Bearer {token}"}
            request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our http URL)
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                lines = [line for line in response.read().decode().splitlines()
                         if line.startswith("portal_scan_seconds_count{")]  # fmt: skip
            if lines:
                return " ".join(lines)
        except Exception:  # noqa: S110 (not up yet)
            pass
        time.sleep(1)
    return ""


def main() -> int:
    data_dir = tempfile.mkdtemp(prefix="portal-smoke-")
    # Riyadh Sales and Cairo Support (Frappe), Jeddah Ops (Django-CRM), Dammam Service (EspoCRM)
    port, standin_port = free_ports(1), free_ports(4)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    # The heartbeat's detail (worker, runs) is shown only with the token.
    token = secrets.token_urlsafe(24)
    env.update(PORTAL_DATA_DIR=data_dir, HEARTBEAT_INTERVAL_SECONDS="2", PORT=str(port),
               HEALTHZ_TOKEN=token, METRICS_TOKEN=token)  # fmt: skip
    log_path = Path(data_dir) / "stack.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}", f"STANDIN_PORT={standin_port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/healthz?strict=1"
    report, ok, scans = None, False, ""
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
                with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310
                    report = json.loads(response.read())
                    beat = report["heartbeat"]
                    ok = (
                        beat["fresh"] and beat["runs"] >= 1 and beat["worker"].startswith("worker@")
                    )
                    if ok:
                        break
            except Exception:  # noqa: S110 (not up yet: refused, or 503 while no beat)
                pass
            time.sleep(1)
        # The stack prints the URL and logins once the demo is prepared, which can finish
        # after /healthz is up: wait for them too, within the same deadline.
        while True:
            text = log_path.read_text()
            printed_login = all(
                line in text
                for line in (
                    "portal ready at http://",
                    "log in as admin / ",
                    "stand-in site Riyadh Sales at http://",
                    "stand-in Django-CRM site Jeddah Ops at http://",
                    "stand-in EspoCRM site Dammam Service at http://",
                )
            )
            if printed_login or time.monotonic() > deadline or process.poll() is not None:
                break
            time.sleep(1)
        print("smoke: /healthz", json.dumps(report))
        print("smoke: URL and login printed:", printed_login)
        scans = worker_scans_on_metrics(f"http://127.0.0.1:{port}/metrics", token, deadline)
        print("smoke: the worker's scans on the web's /metrics:", scans)
    finally:
        # Signal the stack runner (make's child), as a service manager would; make then exits
        # with the runner's status.
        for pid in children(process.pid) or [process.pid]:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass  # it has already stopped (a failed start-up): its log says why
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            code = "killed"
        log.close()
    text = log_path.read_text()
    clean = code == 0 and "stopped cleanly" in text
    print("smoke: exit status", code, "clean shutdown:", clean)
    if not (ok and printed_login and clean and scans):
        print(text[-6000:])
        print("smoke: FAILED")
        return 1
    print("smoke: passed (SQLite, embedded broker, heartbeat through the worker)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
