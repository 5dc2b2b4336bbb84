"""20 concurrent requests from two processes on an expired token make exactly one refresh at
the site, and none of them fails because another process refreshed first (PostgreSQL: the row
lock is what makes it single-flight across processes)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from portal.sites.models import Connection, SiteGrant
from tests.integration.conftest import current_database_url

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def paths(handle, endpoint):
    return [e for e in handle.control.log() if e["path"].endswith(f"oauth2.{endpoint}")]


def test_an_expired_token_is_refreshed_once_across_processes(portal_site, member, connect, standin):
    site = portal_site("riyadh")
    SiteGrant.objects.get_or_create(site=site, user=member)
    connection = connect(member, site, "sales1")
    token = {**connection.token, "expires_at": time.time() - 30}  # expired here, as if old
    Connection.objects.filter(pk=connection.pk).update(token=token)
    handle = standin.sites["riyadh"]
    handle.control.clear_log()
    env = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "PORTAL_DATA_DIR": str(settings.DATA_DIR),
    }
    argv = [sys.executable, "-m", "tests.integration.sites.refresh_worker", str(connection.pk)]
    workers = [
        subprocess.Popen(
            [*argv, "10"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]  # fmt: skip
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err[-2000:]
        results += json.loads(out.strip().splitlines()[-1])
    assert results == ["ok:sales1@riyadh.test"] * 20
    assert len(paths(handle, "get_token")) == 1
    assert len(paths(handle, "revoke_token")) == 1  # the previous refresh token, once
    stored = Connection.objects.get(pk=connection.pk).token
    assert stored["refresh_token"] != token["refresh_token"]
    assert stored["expires_at"] > time.time() + 3000
