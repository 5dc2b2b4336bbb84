"""/healthz reports database, broker and the scheduler → worker heartbeat: to anyone only "ok"
or "failing" (with the status code), the detail to admins and to holders of HEALTHZ_TOKEN."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings

from portal import clock
from portal.ops.services import heartbeat_record
from portal.sites.models import Profile

pytestmark = pytest.mark.django_db
TOKEN = "healthz-token-for-tests-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def healthz_token(settings):
    settings.HEALTHZ_TOKEN = TOKEN


def detail(client, url="/healthz"):
    return client.get(url, headers=BEARER)


def test_anyone_learns_only_whether_it_is_healthy(client):
    heartbeat_record(worker="worker@secret-host")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert b"secret-host" not in response.content


def test_anyone_learns_that_it_is_failing_with_the_status_code(client):
    response = client.get("/healthz?strict=1")
    assert response.status_code == 503
    assert response.json() == {"status": "failing"}


@pytest.mark.parametrize(
    "header",
    ["Bearer wrong-token-of-some-length", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN}x", "Bearer "],
)
def test_a_wrong_token_gets_the_public_answer(client, header):
    heartbeat_record(worker="worker@secret-host")
    response = client.get("/healthz", headers={"Authorization": header})
    assert response.json() == {"status": "ok"}


def test_without_a_configured_token_no_bearer_header_shows_the_detail(client, settings):
    settings.HEALTHZ_TOKEN = None
    response = client.get("/healthz", headers={"Authorization": "Bearer None"})
    assert response.json() == {"status": "ok"}


def test_the_token_shows_the_detail(client):
    heartbeat_record(worker="worker@a")
    body = detail(client).json()
    assert body["status"] == "ok" and body["heartbeat"]["worker"] == "worker@a"
    assert body["database"]["ok"] is True and body["broker"]["ok"] is True


def test_an_admin_session_shows_the_detail_and_a_members_does_not(client, django_user_model):
    heartbeat_record(worker="worker@a")
    member = django_user_model.objects.create_user("mona")
    Profile.objects.create(user=member, role=Profile.Role.MEMBER)
    client.force_login(member)
    assert client.get("/healthz").json() == {"status": "ok"}
    admin = django_user_model.objects.create_user("adam")
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    client.force_login(admin)
    assert client.get("/healthz").json()["heartbeat"]["worker"] == "worker@a"
    staff = django_user_model.objects.create_user("stef", is_staff=True)
    Profile.objects.create(user=staff, role=Profile.Role.MEMBER)
    client.force_login(staff)
    assert client.get("/healthz").json()["heartbeat"]["worker"] == "worker@a"


def test_the_answer_varies_with_who_asks_and_is_never_cached(client):
    response = client.get("/healthz")
    assert {"Authorization", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}
    assert "no-store" in response["Cache-Control"]


def test_it_reports_a_missing_heartbeat_without_failing_the_web_check(client):
    response = detail(client)
    body = response.json()
    assert response.status_code == 200
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["heartbeat"] == {"ok": False, "fresh": False, "last": None, "interval_seconds": 30}


def test_strict_mode_fails_while_no_worker_has_beaten(client):
    assert detail(client, "/healthz?strict=1").status_code == 503


def test_a_recent_beat_is_fresh_and_names_its_worker(client):
    heartbeat_record(worker="worker@a")
    heartbeat_record(worker="worker@a")
    response = detail(client, "/healthz?strict=1")
    beat = response.json()["heartbeat"]
    assert response.status_code == 200
    assert (beat["fresh"], beat["worker"], beat["runs"]) == (True, "worker@a", 2)


@override_settings(HEARTBEAT_INTERVAL_SECONDS=10)
def test_a_beat_older_than_three_intervals_is_stale(client):
    heartbeat_record(worker="worker@a", at=clock.now() - timedelta(seconds=31))
    response = detail(client, "/healthz?strict=1")
    assert response.status_code == 503
    assert response.json()["heartbeat"]["age_seconds"] >= 31


def test_it_answers_only_get(client):
    assert client.post("/healthz").status_code == 405


def test_an_unreachable_broker_fails_the_probe(client, settings):
    from portal.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = detail(client)
        public = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503 and public.status_code == 503
    assert response.json()["broker"]["ok"] is False
    assert public.json() == {"status": "failing"}


@pytest.mark.django_db(transaction=True)  # the live server's threads read the database
def test_the_healthcheck_command_needs_only_the_status_and_names_failures_with_the_token(
    live_server, settings, capsys
):
    url = f"{live_server.url}/healthz"
    settings.HEALTHZ_TOKEN = None
    call_command("healthcheck", url)
    assert capsys.readouterr().out.strip() == "healthy"
    with pytest.raises(SystemExit) as exit_:
        call_command("healthcheck", url, "--strict")  # no worker has beaten
    assert exit_.value.code == 1
    assert "unhealthy: HTTP 503 failing" in capsys.readouterr().err

    settings.HEALTHZ_TOKEN = TOKEN
    with pytest.raises(SystemExit):
        call_command("healthcheck", url, "--strict")
    assert "unhealthy: HTTP 503 failing: heartbeat" in capsys.readouterr().err
    heartbeat_record(worker="worker@a")
    call_command("healthcheck", url, "--strict")
    assert capsys.readouterr().out.strip() == "healthy"


def test_the_healthcheck_command_takes_only_http_urls():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="expected an http:// or https:// URL"):
        call_command("healthcheck", "file:///etc/passwd")
