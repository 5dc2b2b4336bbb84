"""Inbound webhooks against the 20 recorded deliveries, and the site's webhooks made through
the API."""

from __future__ import annotations

import json

import pytest
from requests.structures import CaseInsensitiveDict

from portal.sites.backends.base import InboundRefused
from portal.sites.backends.espocrm import webhooks
from portal.sites.backends.espocrm.backend import EspoBackend

from .conftest import open_backend
from .recordings import body_of, deliveries, delivery

# Every webhook's secret, from the answers that made them [029-032, 036, 150, 154].
HOOKS = {
    body_of(n)["id"]: body_of(n)["secretKey"]
    for n in ("029", "030", "031", "032", "036", "150", "154")
}
STORED = " ".join(f"{i}:{s}" for i, s in HOOKS.items())


def _headers(recorded) -> CaseInsensitiveDict:
    return CaseInsensitiveDict(dict(recorded["headers"]))


def _raw(recorded) -> bytes:
    return recorded["raw_body"].encode("utf-8")


def test_every_recorded_delivery_verifies_on_its_raw_bytes():
    found = deliveries()
    assert len(found) == 20
    for recorded in found:
        assert EspoBackend.inbound_verified(
            secret=STORED, raw_body=_raw(recorded), headers=_headers(recorded)
        ), recorded["path"]


def test_re_encoded_json_does_not_verify_since_php_escapes_slashes_and_unicode():
    recorded = delivery("019")
    assert "\\/" in recorded["raw_body"] and "\\u00fc" in recorded["raw_body"]
    reencoded = json.dumps(json.loads(recorded["raw_body"]), ensure_ascii=False).encode()
    assert not EspoBackend.inbound_verified(
        secret=STORED, raw_body=reencoded, headers=_headers(recorded)
    )


def test_a_changed_body_or_another_webhooks_secret_does_not_verify():
    recorded = delivery("004")
    tampered = _raw(recorded).replace(b"Started", b"Canceled")
    assert not EspoBackend.inbound_verified(
        secret=STORED, raw_body=tampered, headers=_headers(recorded)
    )
    other = " ".join(f"{i}:{s}" for i, s in HOOKS.items() if i != recorded["webhook_id"])
    other += f" {recorded['webhook_id']}:{HOOKS['6b0fc5544538c7c2a']}"
    assert not EspoBackend.inbound_verified(
        secret=other, raw_body=_raw(recorded), headers=_headers(recorded)
    )


def test_a_bare_secret_key_verifies_its_own_webhook_only():
    recorded = delivery("005")
    raw, headers = _raw(recorded), _headers(recorded)
    assert EspoBackend.inbound_verified(
        secret=HOOKS[recorded["webhook_id"]], raw_body=raw, headers=headers
    )
    assert not EspoBackend.inbound_verified(secret="nope", raw_body=raw, headers=headers)


def test_the_legacy_binary_signature_verifies_when_it_is_the_only_one():
    recorded = delivery("003")
    headers = CaseInsensitiveDict({k: v for k, v in recorded["headers"] if k != "Signature"})
    assert EspoBackend.inbound_verified(secret=STORED, raw_body=_raw(recorded), headers=headers)


def test_no_signature_does_not_verify():
    recorded = delivery("001")
    assert not EspoBackend.inbound_verified(
        secret=STORED, raw_body=_raw(recorded), headers=CaseInsensitiveDict()
    )


def test_a_create_batch_is_a_bare_array_of_whole_records():
    events = EspoBackend.inbound_events(_raw(delivery("001")))
    assert len(events) == 14 and {e.event for e in events} == {"Task.create"}
    assert events[0].task_id == "6b0fc56cbe83ca1be" and events[0].status == "Not Started"


def test_update_events_hold_only_the_changed_fields_and_repeats_are_told_once():
    recorded = delivery("003")
    events = EspoBackend.inbound_events(_raw(recorded))
    assert {e.event for e in events} == {"Task.update"}
    statuses = [e.status for e in events if e.task_id == "6b0fc574c4c300202"]
    assert statuses == [None, "Started", "Completed"]  # the no-op and date changes told once
    assert len(events) < len(json.loads(recorded["raw_body"]))


def test_status_events_and_delete_events_are_told_by_their_shape():
    statuses = EspoBackend.inbound_events(_raw(delivery("004")))
    assert [(e.event, e.status) for e in statuses][:2] == [
        ("Task.fieldUpdate.status", "Started"),
        ("Task.fieldUpdate.status", "Completed"),
    ]
    deleted = EspoBackend.inbound_events(_raw(delivery("005")))
    assert [(e.task_id, e.event) for e in deleted] == [
        ("6b0fc56d067e2cbc6", "Task.delete"),
        ("6b0fc56d0df81c49b", "Task.delete"),
    ]


def test_a_batch_of_fifty_is_read_whole():
    raw = json.dumps([{"id": f"6b0fc56d0{n:08x}", "status": "Started"} for n in range(50)])
    assert len(EspoBackend.inbound_events(raw.encode())) == 50


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[]", b"[1]", b'[{"id": "../x"}]', b'[{"id": "a", "status": 5}]', b'"text"'],
)
def test_a_body_the_portal_cannot_read_is_refused_whole(raw):
    with pytest.raises(InboundRefused):
        EspoBackend.inbound_events(raw)


def test_the_sites_webhooks_are_kept_and_only_missing_ones_made(site):
    url = "http://127.0.0.1:8751/hook/create"
    listed = body_of("037")
    site.expect(
        "037", answer={**listed, "list": [r for r in listed["list"] if r["event"] == "Task.create"]}
    )
    for number, event in (
        ("030", "Task.update"),
        ("032", "Task.delete"),
        ("031", "Task.fieldUpdate.status"),
    ):
        site.expect(number, body={"event": event, "url": url})
    hooks = open_backend(site).webhooks_ensure(url)
    assert [h[0] for h in hooks] == list(webhooks.EVENTS)
    assert hooks[0] == ("Task.create", body_of("029")["id"], body_of("029")["secretKey"])
    stored = EspoBackend.webhook_secret(hooks)
    assert stored.split()[0] == f"{body_of('029')['id']}:{body_of('029')['secretKey']}"


def test_the_webhooks_state_shows_no_secrets(site):
    site.expect("037")
    state = open_backend(site).webhooks_state()
    assert len(state) == 4 and all("secretKey" not in row for row in state)
    assert {row["event"] for row in state} == set(webhooks.EVENTS)


def test_webhooks_to_a_url_are_removed(site):
    url = "http://127.0.0.1:8751/hook/delete"
    site.expect("037").expect("167")
    assert open_backend(site).webhooks_remove(url) == 1
