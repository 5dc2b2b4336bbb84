"""The command line and the subprocess helper other test suites rely on."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from standin.testing import StandinProcess

REPO = Path(__file__).resolve().parents[2]


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_pair() -> int:
    """A port p with p and p + 1 free to bind (outside the ephemeral range when possible)."""
    for port in range(20000 + (os.getpid() * 7) % 9000, 30000, 2):
        if _bindable(port) and _bindable(port + 1):
            return port
    raise RuntimeError("no free pair of ports")


def test_one_process_serves_several_sites_each_on_its_own_port():
    config = {
        "sites": [
            {"name": "Riyadh", "seed_size": 30, "time_zone": "Asia/Riyadh"},
            {"name": "Cairo", "flavour": "documented", "seed_size": 10},
        ]
    }
    with StandinProcess(config) as proc:
        riyadh, cairo = proc.sites["Riyadh"], proc.sites["Cairo"]
        assert riyadh.port != cairo.port
        assert riyadh.control.info()["tasks"] == 30 and cairo.control.info()["tasks"] == 10
        assert riyadh.admin.info()["flavour"] == "deployed"
        assert cairo.admin.info()["flavour"] == "documented"
        listed = requests.get(f"{proc.admin_url}/_standin/sites", timeout=10).json()["sites"]
        assert {s["name"] for s in listed} == {"Riyadh", "Cairo"}
        code = proc.stop()
    assert code == 0


def test_a_bad_configuration_fails_at_start_up_with_a_message():
    try:
        StandinProcess({"name": "x", "flavour": "unknown"}).start()
    except RuntimeError as exc:
        assert "flavour must be one of" in str(exc)
    else:
        raise AssertionError("the stand-in started with a bad flavour")


def test_demo_starts_two_sites_prints_their_urls_and_stops_on_sigterm():
    base = _free_pair()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "standin",
            "--demo",
            "--port-base",
            str(base),
            "--redirect-uri",
            "http://127.0.0.1:9/cb/",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert f"http://127.0.0.1:{base}" in lines[0] and "Riyadh Sales" in lines[0]
        assert f"http://127.0.0.1:{base + 1}" in lines[1] and "Cairo Support" in lines[1]
        session = requests.Session()
        assert session.post(
            f"http://127.0.0.1:{base}/api/method/login",
            data={"usr": "sales1@riyadh.example", "pwd": "Sales1-Pass!2026"},
        ).ok
        today = session.get(
            f"http://127.0.0.1:{base}/api/method/crm.api.mobile_api.home_tasks",
            params={"limit": 100},
        ).json()["message"]["today"]
        assert today, "the demo site has tasks for today"
        clients = requests.get(f"http://127.0.0.1:{base}/_standin/oauth-clients", timeout=10).json()
        assert clients["clients"][0]["redirect_uris"] == ["http://127.0.0.1:9/cb/"]
    finally:
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        rest = proc.communicate(timeout=10)[0]
    assert proc.returncode == 0 and "stopped" in rest
    assert time.monotonic() - started < 5
