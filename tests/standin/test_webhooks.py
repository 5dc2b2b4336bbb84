"""Outbound webhooks: the recorded signature scheme, deliveries, retries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from standin.frappe.replay.recordings import default_dir, load_deliveries
from standin.frappe.webhooks import TemplateUnsupported, render_template
from standin.replay.capture import CaptureServer
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


# Titles a person may type, and what Frappe's Jinja makes of them in a JSON template.
HARD_TITLES = [
    'Call "Ali" back',
    "C:\\temp\\new",
    "first line\nsecond line",
    "اتصل بالعميل غدًا",
    "Ship it 🚀 <b> & 'now'",
]
TOJSON_TEMPLATE = (
    '{"name": {{ doc.name | tojson }}, "status": {{ doc.status | tojson }}, '
    '"title": {{ doc.title|tojson }}}'
)


def test_a_json_template_is_rendered_without_escaping_as_frappes_jinja_renders_it():
    row = {"name": 7, "title": 'Say "hi"', "status": None}
    assert render_template('{"t": "{{ doc.title }}", "s": "{{doc.status}}"}', row) == (
        '{"t": "Say "hi"", "s": "None"}'
    )
    assert render_template("{{ doc.name | tojson }} {{ doc.title | tojson }}", row) == (
        '7 "Say \\"hi\\""'
    )
    assert render_template("{{ doc.status | tojson }}", row) == "null"
    # Jinja's tojson escapes what could close an HTML context, and writes ASCII only.
    assert render_template("{{ doc.title | tojson }}", {"title": "<a href='x'>&"}) == (
        '"\\u003ca href=\\u0027x\\u0027\\u003e\\u0026"'
    )
    assert render_template("{{ doc.title | tojson }}", {"title": "مهمة"}) == (
        '"\\u0645\\u0647\\u0645\\u0629"'
    )
    with pytest.raises(TemplateUnsupported):
        render_template("{{ doc.title | upper }}", row)


def _site_with(receiver_url: str, hook: dict):
    return InProcessStandin(site_config(webhooks=[{"url": receiver_url, "secret": "s3cret",
                                                   "events": ["on_update"], **hook}]))  # fmt: skip


def _deliveries(site, count: int) -> list[dict]:
    deadline = time.monotonic() + 5
    while len(site.control.webhook_deliveries()) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return site.control.webhook_deliveries()


def _make_tasks(site, session) -> list[int]:
    """One task per hard title (created through the API), and one without a title (inserted
    raw, then saved through the API so that on_update fires)."""
    names = [
        session.post(mobile(site, "create_task"), json={"task_type": "call", "title": t}).json()[
            "message"
        ]["name"]
        for t in HARD_TITLES
    ]
    [untitled] = site.control.insert_tasks([{"title": None, "status": "Todo"}])
    session.post(mobile(site, "update_status"), json={"task_id": untitled, "status": "Done"})
    return [*names, untitled]


@pytest.mark.parametrize(
    "hook",
    [
        {"structure": "json", "template": TOJSON_TEMPLATE},
        {"structure": "form", "fields": [{"fieldname": f, "key": f}
                                         for f in ("name", "status", "title")]},
    ],
    ids=["json-tojson", "field-mapping"],
)  # fmt: skip
def test_tojson_and_the_field_mapping_deliver_every_title_as_typed(receiver, hook):
    with _site_with(receiver.url, hook) as running:
        site = running.sites["test-site"]
        session = login(site.url, SALES["name"], SALES["password"])
        names = _make_tasks(site, session)
        got = receiver.wait_for(len(names))
        assert [d["ok"] for d in _deliveries(site, len(names))] == [True] * len(names)
    bodies = [json.loads(d["body_raw"]) for d in got]
    expected = list(zip(names, [*HARD_TITLES, None], strict=True))
    assert [(b["name"], b["title"]) for b in bodies] == expected
    for delivery in got:
        assert verify("s3cret", delivery["body_raw"],
                      delivery["headers"]["X-Frappe-Webhook-Signature"])  # fmt: skip


def test_a_quoted_title_breaks_the_plain_template_and_the_site_sends_nothing(receiver):
    """The real site's failure: the rendered body is not JSON, enqueue_webhook logs the
    JSONDecodeError in its Webhook Request Log and delivers nothing. A backslash is read as a
    JSON escape (the title arrives changed) and an empty title is sent as the text None."""
    plain = '{"name": "{{ doc.name }}", "title": "{{ doc.title }}"}'
    with _site_with(receiver.url, {"structure": "json", "template": plain}) as running:
        site = running.sites["test-site"]
        session = login(site.url, SALES["name"], SALES["password"])
        names = _make_tasks(site, session)
        deliveries = _deliveries(site, len(names))
        log = login(site.url, "Administrator", "admin").get(
            f"{site.url}/api/resource/Webhook Request Log",
            params={"fields": json.dumps(["reference_document", "error", "data"]),
                    "limit_page_length": 0},
        ).json()["data"]  # fmt: skip
    failed = {d["name"]: d["error"] for d in deliveries if not d["ok"]}
    # The quote and the line break make invalid JSON; Arabic and emoji do not.
    assert sorted(failed) == [names[0], names[2]]
    assert all(error.startswith("JSONDecodeError: ") for error in failed.values())
    logged = {row["reference_document"]: row for row in log if row["error"]}
    assert sorted(logged) == [str(names[0]), str(names[2])]
    assert all("json.decoder.JSONDecodeError" in row["error"] and row["data"] is None
               for row in logged.values())  # fmt: skip
    sent = [json.loads(d["body_raw"]) for d in receiver.received]
    changed = "C:\temp\new"  # the backslashes were read as the escapes \t and \n
    assert [b["title"] for b in sent] == [changed, HARD_TITLES[3], HARD_TITLES[4], "None"]
