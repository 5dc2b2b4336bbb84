"""Outbound webhooks: the recorded signature scheme, deliveries, retries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from standin.replay.capture import CaptureServer
from standin.replay.recordings import default_dir, load_deliveries
from standin.testing import InProcessStandin
from tests.standin.conftest import SALES, login, mobile, site_config

RECORDED_SECRET = "lab-webhook-secret"


def verify(secret: str, raw: str, signature: str) -> bool:
    mac = hmac.new(secret.encode(), raw.encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(mac).decode(), signature)


def test_the_five_recorded_deliveries_verify_with_the_recorded_secret():
    deliveries = load_deliveries(default_dir())
    assert len(deliveries) == 5
    for delivery in deliveries:
        signature = delivery["headers"]["X-Frappe-Webhook-Signature"]
        assert verify(RECORDED_SECRET, delivery["body_raw"], signature)
        assert not verify("another-secret", delivery["body_raw"], signature)


@pytest.fixture
def receiver():
    capture = CaptureServer().start()
    yield capture
    capture.stop()


TEMPLATE = (
    '{"event": "after_insert", "name": "{{ doc.name }}", "title": "{{ doc.title }}", '
    '"status": "{{ doc.status }}"}'
)


def _hooks(url: str) -> list[dict]:
    return [
        {
            "name": "json",
            "url": url,
            "events": ["after_insert"],
            "structure": "json",
            "template": TEMPLATE,
            "secret": "s3cret",
            "headers": {"Content-Type": "application/json"},
        },
        {
            "name": "form",
            "url": url,
            "events": ["on_update", "on_trash"],
            "structure": "form",
            "secret": "s3cret",
            "fields": [
                {"fieldname": "name", "key": "id"},
                {"fieldname": "status", "key": "status"},
            ],
        },
    ]


def test_deliveries_to_a_local_receiver_verify_with_the_configured_secret(site, sales, receiver):
    site.control.add_webhooks(_hooks(receiver.url))
    created = sales.post(
        mobile(site, "create_task"), json={"task_type": "call", "title": "Hook me"}
    ).json()["message"]
    name = created["name"]
    sales.post(mobile(site, "update_status"), json={"task_id": name, "status": "Done"})
    sales.post(mobile(site, "delete_task"), json={"task_id": name})
    got = receiver.wait_for(4)
    assert [json.loads(d["body_raw"]) for d in got] == [
        {"event": "after_insert", "name": str(name), "title": "Hook me", "status": "Todo"},
        {"id": name, "status": "Todo"},  # on_update also fires on insert
        {"id": name, "status": "Done"},
        {"id": name, "status": "Done"},  # on_trash
    ]
    for delivery in got:
        assert verify(
            "s3cret", delivery["body_raw"], delivery["headers"]["X-Frappe-Webhook-Signature"]
        )
    assert got[0]["headers"]["Content-Type"] == "application/json"
    assert "Content-Type" not in got[1]["headers"], "a form webhook sends no Content-Type"


def test_a_failing_receiver_gets_the_delivery_again(receiver):
    config = site_config(webhooks=_hooks(receiver.url)[:1], webhook_retry_delays=[0.1, 0.1])
    with InProcessStandin(config) as running:
        site = running.sites["test-site"]
        receiver.fail_next(2)
        session = login(site.url, SALES["name"], SALES["password"])
        session.post(mobile(site, "create_task"), json={"task_type": "call", "title": "Retry"})
        got = receiver.wait_for(3, timeout=5)
        assert [d["failed"] for d in got] == [True, True, False]
        assert got[0]["body_raw"] == got[2]["body_raw"]
        deadline = time.monotonic() + 2
        while not site.control.webhook_deliveries() and time.monotonic() < deadline:
            time.sleep(0.02)
        [delivery] = site.control.webhook_deliveries()
        assert delivery["attempts"] == 3 and delivery["ok"] is True


def test_a_receiver_that_keeps_failing_is_given_up_after_the_retries(receiver):
    config = site_config(webhooks=_hooks(receiver.url)[:1], webhook_retry_delays=[0.05])
    with InProcessStandin(config) as running:
        site = running.sites["test-site"]
        receiver.fail_next(5)
        session = login(site.url, SALES["name"], SALES["password"])
        session.post(mobile(site, "create_task"), json={"task_type": "call", "title": "Lost"})
        deadline = time.monotonic() + 3
        while not site.control.webhook_deliveries() and time.monotonic() < deadline:
            time.sleep(0.02)
        [delivery] = site.control.webhook_deliveries()
        assert (delivery["attempts"], delivery["ok"], delivery["error"]) == (2, False, "HTTP 503")
        assert len(receiver.received) == 2


def test_the_late_switch_sends_no_webhook(site, sales, receiver):
    site.control.add_webhooks(_hooks(receiver.url))
    site.control.insert_tasks([{"status": "Todo", "due_date": "2026-11-20 10:00:00"}])
    assert site.control.run_late_switch() != []
    time.sleep(0.3)
    assert receiver.received == [] and site.control.webhook_deliveries() == []
