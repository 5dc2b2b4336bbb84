"""/healthz reports database, broker and the scheduler → worker heartbeat."""

from datetime import timedelta

import pytest
from django.test import override_settings

from portal import clock
from portal.ops.services import heartbeat_record

pytestmark = pytest.mark.django_db


def test_it_reports_a_missing_heartbeat_without_failing_the_web_check(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["heartbeat"] == {"ok": False, "fresh": False, "last": None, "interval_seconds": 30}


def test_strict_mode_fails_while_no_worker_has_beaten(client):
    assert client.get("/healthz?strict=1").status_code == 503


def test_a_recent_beat_is_fresh_and_names_its_worker(client):
    heartbeat_record(worker="worker@a")
    heartbeat_record(worker="worker@a")
    response = client.get("/healthz?strict=1")
    beat = response.json()["heartbeat"]
    assert response.status_code == 200
    assert (beat["fresh"], beat["worker"], beat["runs"]) == (True, "worker@a", 2)


@override_settings(HEARTBEAT_INTERVAL_SECONDS=10)
def test_a_beat_older_than_three_intervals_is_stale(client):
    heartbeat_record(worker="worker@a", at=clock.now() - timedelta(seconds=31))
    response = client.get("/healthz?strict=1")
    assert response.status_code == 503
    assert response.json()["heartbeat"]["age_seconds"] >= 31


def test_it_answers_only_get(client):
    assert client.post("/healthz").status_code == 405


def test_an_unreachable_broker_fails_the_probe(client, settings):
    from portal.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
