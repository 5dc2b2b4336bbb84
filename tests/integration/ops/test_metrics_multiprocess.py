"""Counters recorded in different processes add up on /metrics: each process writes its own
file in PROMETHEUS_MULTIPROC_DIR, named by host and pid, and the scrape merges them all."""

import os
import socket
import subprocess
import sys

import pytest

from portal.ops.metrics_view import scrape_registry
from tests.integration.conftest import ROOT
from tests.integration.ops.scrape import samples, value

pytestmark = pytest.mark.django_db

RECORD = """
import sys
from portal import metrics
for _ in range(int(sys.argv[1])):
    metrics.site_request_observed("Riyadh", "5xx", 0.3)
metrics.scan_observed(site="Riyadh", ok=True, seconds=2.0, overdue=int(sys.argv[1]), late=1)
"""


def record_in_a_process(directory, times: int) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    subprocess.run([sys.executable, "-c", RECORD, str(times)], cwd=ROOT, env=env, check=True,
                   timeout=60)  # fmt: skip


def test_two_processes_counters_and_histograms_add_up(tmp_path):
    record_in_a_process(tmp_path, 3)
    record_in_a_process(tmp_path, 4)

    from prometheus_client import generate_latest

    found = samples(generate_latest(scrape_registry(directory=str(tmp_path))).decode())

    assert value(found, "portal_site_request_errors_total", site="Riyadh", outcome="5xx") == 7
    assert value(found, "portal_site_request_seconds_count", site="Riyadh", outcome="5xx") == 7
    assert value(found, "portal_site_request_seconds_bucket", site="Riyadh", outcome="5xx",
                 le="0.25") == 0  # fmt: skip
    assert value(found, "portal_site_request_seconds_bucket", site="Riyadh", outcome="5xx",
                 le="0.5") == 7  # fmt: skip
    assert value(found, "portal_scan_seconds_count", site="Riyadh", outcome="ok") == 2
    assert value(found, "portal_scan_tasks_found_total", site="Riyadh", bucket="overdue") == 7
    assert value(found, "portal_scan_tasks_found_total", site="Riyadh", bucket="late") == 2
    # The scrape-time figures are served beside them.
    assert ("portal_broker_up", frozenset()) in found


def test_each_process_writes_files_named_by_host_and_pid(tmp_path):
    record_in_a_process(tmp_path, 1)
    record_in_a_process(tmp_path, 1)
    names = sorted(path.name for path in tmp_path.glob("*.db"))
    host = socket.gethostname().replace("_", "-")
    assert len(names) == 4  # a counter file and a histogram file per process
    assert all(name.split("_", 1)[1].startswith(f"{host}-") for name in names), names


def test_the_stack_empties_the_folder_before_its_processes_start(tmp_path):
    from portal.ops.stack import metrics_dir_prepare

    record_in_a_process(tmp_path, 1)
    (tmp_path / "keep.txt").write_text("not a metrics file")
    metrics_dir_prepare(tmp_path)
    assert not list(tmp_path.glob("*.db"))
    assert (tmp_path / "keep.txt").exists()
