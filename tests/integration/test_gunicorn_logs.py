"""A real gunicorn, started as the run command starts it, logs the OAuth callback's path but
never its code or state, nor the tokens of the links in reminders."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from portal.ops.management.commands.runstack import GUNICORN_CONFIG
from tests.integration.conftest import ROOT, current_database_url
from tests.integration.notifications.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)  # the gunicorn process reads the database


def get(url: str, **headers) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": current_database_url(),
           "PORTAL_DATA_DIR": str(settings.DATA_DIR)}  # fmt: skip
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "-c", GUNICORN_CONFIG,
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while get_or_none(f"{base}/healthz") is None:
        assert process.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, "gunicorn did not answer"
        time.sleep(0.3)
    yield base, process, log_path
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=20)


def get_or_none(url: str) -> int | None:
    try:
        return get(url)
    except OSError:
        return None


def test_the_access_log_names_the_callback_but_never_its_code_state_or_link_tokens(gunicorn):
    base, process, log_path = gunicorn
    callback = f"{base}/sites/oauth/callback/?code=SECRETCODE&state=SECRETSTATE"

    # Not logged in: the callback redirects to the login page, whose next= carries the code.
    assert get(callback, Referer=callback) == 200
    get(f"{base}/notifications/act/SECRETCODE/")
    get(f"{base}/notifications/unsubscribe/SECRETCODE/")
    process.terminate()
    process.wait(timeout=20)

    log = log_path.read_text()
    assert '"GET /sites/oauth/callback/?code=[redacted]&state=[redacted] HTTP/1.1" 302' in log
    assert "GET /accounts/login/?next=" in log and "/notifications/act/[redacted]/" in log
    assert "SECRETCODE" not in log and "SECRETSTATE" not in log
