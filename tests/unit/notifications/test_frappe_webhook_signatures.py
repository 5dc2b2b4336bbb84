"""Inbound Frappe webhooks: the five recorded deliveries verify with the lab secret, each fails
with any one byte changed, and their bodies parse whatever the template's shape."""

from __future__ import annotations

import json

import pytest

from portal.sites.backends.frappe.webhooks import (
    WebhookRefused,
    parse_delivery,
    sign,
    verify_signature,
)
from tests.unit.frappe.recordings import recordings_dir

SECRET = "lab-webhook-secret"


def deliveries() -> list[dict]:
    path = recordings_dir() / "webhook_deliveries.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_there_are_five_recorded_deliveries():
    assert len(deliveries()) == 5


@pytest.mark.parametrize("index", range(5))
def test_each_recorded_delivery_verifies_with_the_sites_secret(index):
    delivery = deliveries()[index]
    body = delivery["body_raw"].encode()
    assert verify_signature(SECRET, body, delivery["headers"]["X-Frappe-Webhook-Signature"])


@pytest.mark.parametrize("index", range(5))
def test_each_recorded_delivery_fails_with_any_one_byte_changed(index):
    delivery = deliveries()[index]
    body = delivery["body_raw"].encode()
    header = delivery["headers"]["X-Frappe-Webhook-Signature"]
    for position in range(len(body)):
        changed = bytearray(body)
        changed[position] ^= 0x01
        assert not verify_signature(SECRET, bytes(changed), header), position


def test_a_wrong_secret_a_missing_or_malformed_header_fail():
    delivery = deliveries()[0]
    body = delivery["body_raw"].encode()
    header = delivery["headers"]["X-Frappe-Webhook-Signature"]
    assert not verify_signature("other-secret", body, header)
    assert not verify_signature(SECRET, body, None)
    assert not verify_signature(SECRET, body, "")
    assert not verify_signature(SECRET, body, "not base64 at all!")
    assert not verify_signature("", body, header)


def test_sign_gives_what_frappe_sends():
    for delivery in deliveries():
        body = delivery["body_raw"].encode()
        assert sign(SECRET, body) == delivery["headers"]["X-Frappe-Webhook-Signature"]


def test_it_reads_the_json_template_with_a_string_name():
    parsed = parse_delivery(deliveries()[0]["body_raw"].encode())
    assert (parsed.task_id, parsed.event, parsed.status) == ("37", "after_insert", "Todo")
    assert parsed.portal_status == "open"
    assert parsed.title == "Webhook trigger task"


def test_it_reads_the_form_structure_with_a_numeric_name_and_no_event():
    parsed = parse_delivery(deliveries()[2]["body_raw"].encode())
    assert (parsed.task_id, parsed.event, parsed.status) == ("37", "", "Done")
    assert parsed.portal_status == "done"


def test_late_is_still_open():
    assert parse_delivery(deliveries()[4]["body_raw"].encode()).portal_status == "open"


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[1, 2]", b'{"title": "no name"}', b'{"name": "abc"}', b'{"name": true}',
     b'{"name": 0}', b"\xff\xfe"],
)  # fmt: skip
def test_it_refuses_bodies_that_name_no_task(body):
    with pytest.raises(WebhookRefused):
        parse_delivery(body)
