"""The real processes: gunicorn with two workers and a Celery worker, with LOG_FORMAT=json and
a shared PROMETHEUS_MULTIPROC_DIR. Every log line is JSON, carries the request id (the worker's
lines the id of the request that queued the task), keeps secrets out; /metrics adds up what
every process recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client import generate_latest

from portal.notifications.models import ScanRun, SiteScan
from portal.notifications.services.runs import scan_run_start
from portal.notifications.tasks import scan_site
from portal.ops import request_id
from portal.ops.management.commands.runstack import GUNICORN_CONFIG
from portal.ops.metrics_view import scrape_registry
from tests.integration.conftest import ROOT, current_database_url, start_worker
from tests.integration.notifications.servers import free_port
from tests.integration.ops.scrape import samples, value

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def json_lines(path: Path) -> list[dict]:
    """Every log line of the file, each of which must be one JSON object."""
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    assert lines, "nothing was logged"
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON log line: {line!r}")
    return parsed


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    metrics_dir = tmp_path / "metrics"
    env = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "PORTAL_DATA_DIR": str(settings.DATA_DIR),
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "-c", GUNICORN_CONFIG,
             "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            fetch(f"{base}/healthz")
            break
        except OSError:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.3)
    yield base, process, log_path
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=20)


def test_gunicorn_logs_json_with_the_request_id_and_metrics_add_up_its_workers(gunicorn):
    base, process, log_path = gunicorn
    status, headers, _ = fetch(f"{base}/nope/?code=SECRETCODE", **{"X-Request-ID": "e2e-req-0001"})
    assert status == 404 and headers["X-Request-ID"] == "e2e-req-0001"
    status, headers, _ = fetch(f"{base}/healthz", **{"X-Request-ID": "not sane at all"})
    made = headers["X-Request-ID"]
    assert status == 200 and made != "not sane at all" and len(made) == 32
    for _ in range(20):
        fetch(f"{base}/healthz")

    status, _, body = fetch(f"{base}/metrics")  # from loopback, not through a proxy
    assert status == 200
    found = samples(body.decode())
    # Every request before this one was counted, whichever of the two workers served it.
    answered = value(found, "django_http_responses_total_by_status_total", status="200")
    assert answered >= 21
    assert value(found, "django_http_responses_total_by_status_total", status="404") == 1
    process.terminate()
    process.wait(timeout=20)

    lines = json_lines(log_path)
    text = log_path.read_text()
    assert "SECRETCODE" not in text
    about_nope = [line for line in lines if "/nope/" in line["message"]]
    loggers = {line["logger"] for line in about_nope}
    assert {"django.request", "gunicorn.access"} <= loggers, about_nope
    assert all(line["request_id"] == "e2e-req-0001" for line in about_nope), about_nope
    access = next(line for line in about_nope if line["logger"] == "gunicorn.access")
    assert "code=[redacted]" in access["message"] and access["message"].endswith("e2e-req-0001")
    assert any(line["request_id"] == made for line in lines if line["logger"] == "gunicorn.access")
    started = [line for line in lines if line["logger"] == "gunicorn.error"]
    assert started and all(line["request_id"] == "-" for line in started)


def test_a_worker_logs_json_under_the_request_id_that_queued_its_tasks_and_metrics_see_its_work(
    portal_site, tmp_path, settings
):
    site = portal_site("riyadh")
    metrics_dir = tmp_path / "metrics"
    queue = f"ops-{os.urandom(4).hex()}"
    settings.NOTIFY_QUEUE = queue
    worker = start_worker(
        log_path=tmp_path / "worker.log",
        queue=queue,
        extra_env={
            "LOG_FORMAT": "json",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "NOTIFY_QUEUE": queue,
        },  # fmt: skip
    )
    try:
        run = scan_run_start(trigger="test", site_ids=[site.pk])
        site_scan = SiteScan.objects.get(run=run)
        request_id.activate("e2e-req-0002")
        try:
            scan_site.apply_async(args=[site_scan.pk], queue=queue)
        finally:
            request_id.deactivate()
        deadline = time.monotonic() + 90
        while not ScanRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists():
            assert time.monotonic() < deadline, worker.output()[-3000:]
            time.sleep(0.2)
    finally:
        worker.stop()

    site_scan.refresh_from_db()
    assert site_scan.status == SiteScan.Status.OK, site_scan.error
    found = samples(generate_latest(scrape_registry(directory=str(metrics_dir))).decode())
    assert value(found, "portal_scan_seconds_count", site=site.name, outcome="ok") == 1
    assert value(found, "portal_scan_tasks_found_total", site=site.name, bucket="overdue") == (
        site_scan.overdue_count
    )
    assert value(found, "portal_site_request_seconds_count", site=site.name, outcome="2xx") >= 1

    banner_skipped = [
        line for line in worker.output().splitlines() if line.startswith("{")
    ]  # Celery prints its banner before logging starts
    path = tmp_path / "worker-json.log"
    path.write_text("\n".join(banner_skipped))
    lines = json_lines(path)
    done = [line for line in lines if "succeeded" in line["message"]]
    names = {name for line in done for name in ("scan_site", "plan_run") if name in line["message"]}
    assert names == {"scan_site", "plan_run"}, done
    assert all(line["request_id"] == "e2e-req-0002" for line in done), done
