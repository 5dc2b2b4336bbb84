"""Start-up stops with a message naming the variable when a value is malformed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean.update({"PORTAL_DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("HEARTBEAT_INTERVAL_SECONDS", "soon"),
        ("DATABASE_URL", "mysql://db/portal"),
        ("REDIS_URL", "localhost:6379"),
        ("SITE_READ_TIMEOUT", "-1"),
        ("PORTAL_ENV", "staging"),
        ("CELERY_TASK_TIME_LIMIT", "10"),
    ],
)
def test_a_malformed_variable_stops_start_up_naming_it(tmp_path, name, value):
    result = start(tmp_path, **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name}:" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = start(tmp_path, PORTAL_ENV="production", ALLOWED_HOSTS="portal.example")
    assert result.returncode != 0
    assert "SECRET_KEY: must be set" in result.stderr


def test_no_configuration_at_all_starts_on_sqlite(tmp_path):
    result = start(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").exists()


PRODUCTION = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "a-production-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "portal.example",
    "PORTAL_ENCRYPTION_KEYS": "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=",
}


def test_production_settings_that_pass_start_up(tmp_path):
    """The baseline the refusals below change one variable of."""
    result = start(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("value", ["true", "1", "yes", "on", "TRUE"])
def test_production_refuses_debug(tmp_path, value):
    result = start(tmp_path, **{**PRODUCTION, "DEBUG": value})
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG: must be false in production" in result.stderr


@pytest.mark.parametrize("value", ["*", "portal.example,*", " * "])
def test_production_refuses_any_host(tmp_path, value):
    result = start(tmp_path, **{**PRODUCTION, "ALLOWED_HOSTS": value})
    assert result.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS: '*' is refused in production" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = start(tmp_path, **{**PRODUCTION, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS: must be set in production" in result.stderr


def test_development_keeps_debug_and_any_host_for_local_work(tmp_path):
    result = start(tmp_path, DEBUG="true", ALLOWED_HOSTS="*")
    assert result.returncode == 0, result.stderr
