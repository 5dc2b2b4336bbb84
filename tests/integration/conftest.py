"""Fixtures that start real processes: a Celery worker on the configured broker (Redis with
REDIS_URL, else the embedded filesystem broker), reading the test database."""

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def current_database_url() -> str:
    """The URL of the database the tests are using right now (pytest-django's test_ copy)."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{params['USER']}{password}@{host}:{port}/{params['NAME']}"


@dataclass
class WorkerProcess:
    """A started `celery worker` subprocess (tests may kill it to play a crashed worker)."""

    process: subprocess.Popen
    queue: str
    hostname: str
    log_path: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, like a machine losing power."""
        self.process.kill()
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_worker(
    *, log_path: Path, queue: str | None = None, extra_env: dict | None = None
) -> WorkerProcess:
    """Starts a worker on its own queue (or the one given), reading the test database, and
    waits until it consumes. ``extra_env`` reaches the worker's settings (a clock file, say)."""
    queue = queue or f"test-{uuid.uuid4().hex[:8]}"
    hostname = f"{queue}-{uuid.uuid4().hex[:4]}@test"
    env = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "PORTAL_DATA_DIR": str(settings.DATA_DIR),  # same embedded broker folder as this process
        **(extra_env or {}),
    }
    log = log_path.open("w")
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
            queue,
            "--hostname",
            hostname,
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    worker = WorkerProcess(process=process, queue=queue, hostname=hostname, log_path=log_path)
    # The worker binds its queue at start-up; a message sent before that is undeliverable.
    deadline = time.monotonic() + 60
    while " ready." not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            worker.stop()
            pytest.fail("worker did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.1)
    return worker


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real `celery worker` process consuming a queue of its own; yields (queue, hostname)."""
    worker = start_worker(log_path=tmp_path / "worker.log")
    try:
        yield worker.queue, worker.hostname
    finally:
        worker.stop()
