"""Webhooks from Frappe sites at /notifications/webhooks/<site_id>/: the recorded deliveries are
accepted (with or without a Content-Type), forged or oversized ones refused, repeats dropped,
cached task data refreshed, finished tasks no longer reminded."""

from __future__ import annotations

import json
from datetime import time, timedelta
from time import monotonic, sleep

import pytest

from portal.notifications.models import Delivery, InboundWebhook, TaskTransition, WatchedTask
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.notifications.services.scan import site_fetch_prepare, site_fetch_run, watched_apply
from portal.sites.backends.frappe.webhooks import sign
from portal.sites.models import Site
from portal.sites.services.cache import site_cache_version
from tests.integration.notifications.conftest import T0, make_rule, site_user
from tests.unit.frappe.recordings import recordings_dir

pytestmark = pytest.mark.django_db
SECRET = "lab-webhook-secret"


def recorded() -> list[dict]:
    path = recordings_dir() / "webhook_deliveries.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def site(db):
    return Site.objects.create(
        name="Lab", base_url="http://127.0.0.1:9/", client_id="c", webhook_secret=SECRET,
        time_zone="UTC",
    )  # fmt: skip


def post(client, site, body: bytes, signature: str | None, content_type: str | None = None):
    headers = {"X-Frappe-Webhook-Signature": signature} if signature is not None else {}
    kwargs = {"content_type": content_type} if content_type else {"content_type": ""}
    return client.post(f"/notifications/webhooks/{site.pk}/", data=body, headers=headers, **kwargs)


def test_every_recorded_delivery_is_accepted_as_frappe_sent_it(client, site):
    for delivery in recorded():
        body = delivery["body_raw"].encode()
        response = post(client, site, body, delivery["headers"]["X-Frappe-Webhook-Signature"],
                        delivery["headers"].get("Content-Type"))  # fmt: skip
        assert response.status_code == 200, response.content
    assert InboundWebhook.objects.count() == 5
    site.refresh_from_db()
    assert site.last_webhook_at is not None
    statuses = list(TaskTransition.objects.order_by("id").values_list("task_id", "status"))
    # A save that leaves the status as it was is no transition (each delivery is still kept).
    assert statuses == [("37", "Todo"), ("37", "Done"), ("38", "late")]


def test_each_recorded_delivery_is_refused_with_one_byte_changed(client, site):
    for delivery in recorded():
        body = bytearray(delivery["body_raw"].encode())
        body[len(body) // 2] ^= 0x20
        response = post(
            client, site, bytes(body), delivery["headers"]["X-Frappe-Webhook-Signature"]
        )
        assert response.status_code == 403
    assert not InboundWebhook.objects.exists()
    site.refresh_from_db()
    assert site.last_webhook_at is None


def test_a_missing_signature_a_secretless_site_and_a_get_are_refused(client, site):
    body = recorded()[0]["body_raw"].encode()
    assert post(client, site, body, None).status_code == 403
    other = Site.objects.create(name="No secret", base_url="http://127.0.0.2:9/", client_id="c")
    assert post(client, other, body, sign(SECRET, body)).status_code == 404
    assert client.get(f"/notifications/webhooks/{site.pk}/").status_code == 405
    assert client.post("/notifications/webhooks/999999/", data=body,
                       content_type="application/json").status_code == 404  # fmt: skip


def test_oversized_bodies_are_refused_before_they_are_read(client, site, settings):
    settings.NOTIFY_INBOUND_MAX_BYTES = 2048
    body = json.dumps({"name": 1, "title": "x" * 4000}).encode()
    assert post(client, site, body, sign(SECRET, body)).status_code == 413


def test_a_repeat_is_dropped(client, site):
    delivery = recorded()[2]
    body = delivery["body_raw"].encode()
    signature = delivery["headers"]["X-Frappe-Webhook-Signature"]
    assert post(client, site, body, signature).json()["message"] == "Received."
    assert post(client, site, body, signature).json()["message"] == "Already received."
    assert InboundWebhook.objects.count() == 1 and TaskTransition.objects.count() == 1


def test_a_webhook_refreshes_the_sites_cached_task_data(client, site):
    before = site_cache_version(site.pk)
    delivery = recorded()[0]
    post(client, site, delivery["body_raw"].encode(),
         delivery["headers"]["X-Frappe-Webhook-Signature"])  # fmt: skip
    assert site_cache_version(site.pk) > before


def test_a_done_webhook_stops_reminders_even_against_a_scan_that_read_the_site_before(
    client, tasks, sites, email_channel, notify_standin
):
    riyadh = sites["riyadh"]
    Site.objects.filter(pk=riyadh.pk).update(webhook_secret=SECRET)
    make_rule(quiet_start=time(0), quiet_end=time(23, 59))  # keeps the reminder pending
    site_user(riyadh, "sales1@riyadh.test", time_zone="UTC")
    notify_standin.sites["riyadh"].control.insert_tasks(
        [{"name": 37, "title": "Webhook trigger task", "assignees": ["sales1@riyadh.test"],
          "start_date": "2026-11-20 09:00:00", "due_date": "2026-11-21 09:00:00"}]
    )  # fmt: skip
    scan_run_inline(run=scan_run_start(trigger="test"))
    held = Delivery.objects.get()
    stale_plan = site_fetch_prepare(site=riyadh)
    stale = site_fetch_run(plan=stale_plan, now=T0 + timedelta(minutes=1))  # still overdue there

    done = recorded()[2]  # {"name": 37, ..., "status": "Done"}
    response = post(client, riyadh, done["body_raw"].encode(),
                    done["headers"]["X-Frappe-Webhook-Signature"])  # fmt: skip

    assert response.status_code == 200
    held.refresh_from_db()
    assert held.status == "obsolete"
    watched_apply(fetched=stale)  # the scan that read the site before the webhook finishes now
    assert not WatchedTask.objects.filter(task_id=37, closed_seq__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_the_stand_ins_own_webhooks_reach_the_portal_and_stop_reminders(
    live_server, tasks, sites, email_channel, notify_standin
):
    """Frappe's side for real: the stand-in's Webhook (JSON template, and the "Form URL-Encoded"
    structure that sends JSON without a Content-Type) posts to the portal over HTTP."""
    riyadh = sites["riyadh"]
    Site.objects.filter(pk=riyadh.pk).update(webhook_secret=SECRET)
    url = f"{live_server.url}/notifications/webhooks/{riyadh.pk}/"
    notify_standin.sites["riyadh"].control.add_webhooks([
        {"name": "json", "url": url, "events": ["on_update"], "secret": SECRET,
         "structure": "json", "headers": {"Content-Type": "application/json"},
         "template": '{"event": "on_update", "name": "{{ doc.name }}", '
                     '"status": "{{ doc.status }}", "title": "{{ doc.title }}"}'},
        {"name": "form", "url": url, "events": ["on_update"], "secret": SECRET,
         "structure": "form", "fields": [{"fieldname": "name", "key": "name"},
                                         {"fieldname": "status", "key": "status"}]},
    ])  # fmt: skip
    make_rule(quiet_start=time(0), quiet_end=time(23, 59))
    task_id = tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1),
                        assignees=["sales1@riyadh.test"])  # fmt: skip
    scan_run_inline(run=scan_run_start(trigger="test"))
    held = Delivery.objects.get()

    from portal.sites.services.clients import client_for_service

    client_for_service(riyadh).update_status(task_id, "Done")  # the site fires its webhooks

    deadline = monotonic() + 30
    while InboundWebhook.objects.count() < 2 and monotonic() < deadline:
        sleep(0.2)
    assert InboundWebhook.objects.filter(task_id=task_id).count() == 2
    held.refresh_from_db()
    assert held.status == "obsolete"
    assert TaskTransition.objects.filter(task_id=task_id, portal_status="done").exists()
    riyadh.refresh_from_db()
    assert riyadh.last_webhook_at is not None


BIGINT_MAX = 2**63 - 1


@pytest.mark.parametrize(
    "name",
    [2**63, "9223372036854775808", -1, "-1", 0, "abc", 1.5, "1.5", "", "  ", "9" * 5000,
     "1_000", "+5", "٣٧", True, None, [37], {"id": 37}],
    ids=lambda name: repr(name)[:24],
)  # fmt: skip
def test_a_signed_webhook_with_a_name_that_is_no_task_id_is_refused_and_changes_nothing(
    client, site, name
):
    before = site_cache_version(site.pk)
    body = json.dumps({"name": name, "status": "Done"}).encode()

    response = post(client, site, body, sign(SECRET, body))

    assert response.status_code == 400
    assert_short_plain_refusal(response)
    assert not InboundWebhook.objects.exists() and not TaskTransition.objects.exists()
    site.refresh_from_db()
    assert site.last_webhook_at is None
    assert site_cache_version(site.pk) == before


@pytest.mark.parametrize(
    "status", [37, True, ["Done"], {"v": "Done"}, "D" * 201], ids=lambda status: repr(status)[:20]
)
def test_a_signed_webhook_with_a_status_that_is_no_short_text_is_refused_and_changes_nothing(
    client, site, status
):
    before = site_cache_version(site.pk)
    body = json.dumps({"name": "37", "status": status}).encode()

    response = post(client, site, body, sign(SECRET, body))

    assert response.status_code == 400
    assert_short_plain_refusal(response)
    assert not InboundWebhook.objects.exists() and not TaskTransition.objects.exists()
    site.refresh_from_db()
    assert site.last_webhook_at is None
    assert site_cache_version(site.pk) == before


@pytest.mark.parametrize("name", [1, "1", " 42 ", BIGINT_MAX, str(BIGINT_MAX)], ids=repr)
def test_names_that_fit_a_task_id_are_accepted_up_to_the_largest_64_bit_integer(client, site, name):
    body = json.dumps({"name": name, "status": "Done"}).encode()

    response = post(client, site, body, sign(SECRET, body))

    assert response.status_code == 200, response.content
    assert TaskTransition.objects.get().task_id == str(name).strip()


def assert_short_plain_refusal(response):
    message = response.json()["message"]
    assert 0 < len(message) <= 80 and "Traceback" not in message and "Error" not in message
