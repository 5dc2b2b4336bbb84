"""Who tells open pages that a task changed: a site's webhook (each task of its batch, once)
and the reminder scan when a watched task is finished or changed on the site. The portal's own
writes are in tests/integration/tasks_ui/test_live_rows.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from portal.live.models import LiveEvent
from portal.notifications.models import WatchedTask
from portal.notifications.services.scan import Fetched, watched_apply
from portal.sites.models import Site
from tests.unit.frappe.recordings import recordings_dir

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "lab-webhook-secret"  # the recordings' secret
NOW = datetime(2031, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def embedded(settings):
    settings.REDIS_URL = None


def published() -> list[tuple[int, str, str]]:
    return list(LiveEvent.objects.order_by("pk").values_list("site_id", "task_id", "kind"))


@pytest.fixture
def site(db):
    return Site.objects.create(
        name="Lab", base_url="http://127.0.0.1:9/", client_id="c", webhook_secret=SECRET,
        time_zone="UTC",
    )  # fmt: skip


def test_a_webhook_tells_open_pages_once_per_delivery(client, site):
    path = recordings_dir() / "webhook_deliveries.jsonl"
    delivery = json.loads(path.read_text().splitlines()[0])
    headers = {"X-Frappe-Webhook-Signature": delivery["headers"]["X-Frappe-Webhook-Signature"]}
    for _ in range(2):  # the site sends it again: already received, nothing new to tell
        response = client.post(
            f"/notifications/webhooks/{site.pk}/", data=delivery["body_raw"].encode(),
            content_type="", headers=headers,
        )  # fmt: skip
        assert response.status_code == 200
    task_id = json.loads(delivery["body_raw"])["name"]
    assert published() == [(site.pk, str(task_id), "changed")]


def watched(site, task_id: str) -> WatchedTask:
    return WatchedTask.objects.create(
        site=site, task_id=task_id, bucket="overdue", episode="o:x", became_at=NOW,
        title="Call back", status="Open", seen_at=NOW,
    )  # fmt: skip


def test_a_scan_tells_of_watched_tasks_gone_from_the_overdue_list(site):
    watched(site, "W-1")
    watched_apply(fetched=Fetched(site=site, now=NOW))  # the site no longer lists it
    assert published() == [(site.pk, "W-1", "changed")]
    assert not WatchedTask.objects.exists()


def test_a_dry_run_scan_tells_nobody(site):
    watched(site, "W-2")
    watched_apply(fetched=Fetched(site=site, now=NOW), dry_run=True)
    assert published() == []
