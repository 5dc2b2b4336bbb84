"""The portal's webhook endpoint as EspoCRM calls it: every recorded delivery, posted exactly
as it was received, and answers that keep EspoCRM's retry rules working for us (it retries 500
and 503 but never 400, and a 410 would delete the webhook)."""

from __future__ import annotations

import pytest

from portal.notifications.models import InboundWebhook, TaskTransition
from portal.sites.models import Site
from tests.unit.espocrm.recordings import deliveries
from tests.unit.espocrm.test_webhooks import STORED

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return Site.objects.create(name="Lab Espo", backend=Site.Backend.ESPOCRM,
                               base_url="http://127.0.0.1:9/", webhook_secret=STORED,
                               time_zone="UTC")  # fmt: skip


def post(client, site, recorded, body: bytes | None = None):
    headers = {k: v for k, v in recorded["headers"] if k in ("Signature", "X-Signature")}
    return client.post(f"/notifications/webhooks/{site.pk}/", headers=headers,
                       data=recorded["raw_body"].encode() if body is None else body,
                       content_type="application/json")  # fmt: skip


def test_every_recorded_delivery_is_taken_and_a_repeat_is_answered_alike(client, site):
    for recorded in deliveries():
        response = post(client, site, recorded)
        assert response.status_code == 200, (recorded["path"], response.content)
    taken = InboundWebhook.objects.filter(site=site).count()
    assert taken > 20  # batches: many events per delivery
    again = post(client, site, deliveries()[0])  # EspoCRM resends a batch it saw fail
    assert again.status_code == 200 and b"Already received" in again.content
    assert InboundWebhook.objects.filter(site=site).count() == taken
    finished = TaskTransition.objects.filter(site=site, portal_status__in=("done", "cancelled"))
    assert finished.exists()  # status changes in the batches stop reminders


def test_a_forged_body_is_refused_without_asking_for_a_retry_that_cannot_help(client, site):
    recorded = deliveries()[0]
    forged = recorded["raw_body"].replace("Minimal task", "Minimal tasK").encode()
    response = post(client, site, recorded, body=forged)
    assert response.status_code == 403  # never 410: that would delete the site's webhook
    assert not InboundWebhook.objects.exists()


def test_a_failure_on_our_side_asks_espocrm_to_retry(client, site, monkeypatch):
    from django.db import OperationalError

    from portal.notifications.services import inbound

    def broken(*args, **kwargs):
        raise OperationalError("the database is not there")

    monkeypatch.setattr(inbound, "_first_time", broken)
    client.raise_request_exception = False
    response = post(client, site, deliveries()[0])
    assert response.status_code == 500  # EspoCRM retries 500 and 503, never 400
