"""What /metrics shows after real work: requests to stand-in sites (latency and errors per
site), a scan (its duration and the tasks it found), the delivery ledger by channel and status
and its oldest pending delivery, the sites' circuits and the broker's queues."""

import uuid
from datetime import timedelta

import pytest
from celery import current_app

from portal import clock
from portal.notifications.models import Delivery, SiteScan
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.ops.tasks import heartbeat
from portal.sites.models import Site
from portal.sites.services.circuit import circuit_failure, circuit_probe_now
from portal.sites.services.registry import site_doctor
from tests.integration.notifications.servers import free_port
from tests.integration.ops.scrape import TOKEN, scrape, value

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def test_requests_to_a_site_show_in_its_latency_histogram_and_failures_in_its_error_counter(
    client, portal_site, standin_reset
):
    site = portal_site("riyadh")  # registering probes the site
    before = scrape(client)
    answered = value(before, "portal_site_request_seconds_count", site=site.name, outcome="2xx")
    assert answered > 0, "registering the site sent requests that were not counted"

    standin_reset.sites["riyadh"].control.set_faults([{"kind": "error", "status": 500}])
    site_doctor(site=site)
    dead = Site.objects.create(name="Nowhere", base_url=f"http://127.0.0.1:{free_port()}",
                               client_id="portal")  # fmt: skip
    site_doctor(site=dead)
    after = scrape(client)

    failed = value(after, "portal_site_request_errors_total", site=site.name, outcome="5xx")
    assert failed >= 1
    timed = value(after, "portal_site_request_seconds_count", site=site.name, outcome="5xx")
    assert timed == failed
    # Successes are not errors.
    assert value(after, "portal_site_request_errors_total", site=site.name, outcome="2xx") == 0
    refused = value(after, "portal_site_request_errors_total", site="Nowhere", outcome="connect")
    assert refused >= 1
    seconds = value(after, "portal_site_request_seconds_sum", site=site.name, outcome="2xx")
    assert seconds > 0
    slowest_bucket = value(
        after, "portal_site_request_seconds_bucket", site=site.name, outcome="2xx", le="+Inf"
    )
    assert slowest_bucket == value(
        after, "portal_site_request_seconds_count", site=site.name, outcome="2xx"
    )


def test_a_scan_records_its_duration_and_the_tasks_it_found(client, portal_site):
    site = portal_site("riyadh")
    earlier = scan_run_start(trigger="test", site_ids=[site.pk])  # an older scan: not the latest
    SiteScan.objects.filter(run=earlier).update(
        status=SiteScan.Status.OK, overdue_count=999, late_count=999, finished_at=clock.now()
    )
    before = scrape(client)

    scan_run_inline(run=scan_run_start(trigger="test", site_ids=[site.pk]))

    booked = SiteScan.objects.filter(site=site).latest("id")
    assert booked.status == SiteScan.Status.OK, booked.error
    assert booked.overdue_count + booked.late_count > 0, "the seeded site has late work"
    after = scrape(client)
    count = "portal_scan_seconds_count"
    assert value(after, count, site=site.name, outcome="ok") == (
        value(before, count, site=site.name, outcome="ok") + 1
    )
    assert value(after, "portal_scan_seconds_sum", site=site.name, outcome="ok") > 0
    for bucket, found in (("overdue", booked.overdue_count), ("late", booked.late_count)):
        total = "portal_scan_tasks_found_total"
        assert value(after, total, site=site.name, bucket=bucket) == (
            value(before, total, site=site.name, bucket=bucket) + found
        )
        last = value(after, "portal_scan_last_tasks_found", site=site.name, bucket=bucket)
        assert last == found
    finished = value(after, "portal_scan_last_success_timestamp_seconds", site=site.name)
    assert finished == booked.finished_at.timestamp()


def delivery(*, kind: str, status: str, due_seconds_ago: float) -> Delivery:
    now = clock.now()
    return Delivery.objects.create(
        key=uuid.uuid4().hex, channel_kind=kind, shape=Delivery.Shape.TASK, status=status,
        send_after=now - timedelta(seconds=due_seconds_ago), created_at=now,
    )  # fmt: skip


def test_deliveries_are_counted_by_channel_and_status_and_the_oldest_pending_one_is_timed(client):
    delivery(kind="email", status="pending", due_seconds_ago=30)
    delivery(kind="email", status="retry", due_seconds_ago=600)
    delivery(kind="email", status="sent", due_seconds_ago=9000)  # sent: not waiting
    delivery(kind="slack", status="pending", due_seconds_ago=-3600)  # held for an hour
    delivery(kind="slack", status="failed", due_seconds_ago=60)
    delivery(kind="webhook", status="pending", due_seconds_ago=5)

    found = scrape(client)

    assert value(found, "portal_deliveries", channel="email", status="pending") == 1
    assert value(found, "portal_deliveries", channel="email", status="retry") == 1
    assert value(found, "portal_deliveries", channel="email", status="sent") == 1
    assert value(found, "portal_deliveries", channel="slack", status="pending") == 1
    assert value(found, "portal_deliveries", channel="slack", status="failed") == 1
    assert value(found, "portal_deliveries", channel="webhook", status="pending") == 1
    oldest = value(found, "portal_delivery_oldest_pending_seconds")
    assert 600 <= oldest < 700  # the retry due ten minutes ago; not the sent nor the held one


def test_no_waiting_delivery_means_an_oldest_age_of_zero(client):
    delivery(kind="email", status="sent", due_seconds_ago=9000)
    assert value(scrape(client), "portal_delivery_oldest_pending_seconds") == 0


def test_each_active_sites_circuit_state_is_shown(client, settings):
    up = Site.objects.create(name="Up", base_url="https://up.example", client_id="c")
    down = Site.objects.create(name="Down", base_url="https://down.example", client_id="c")
    for _ in range(settings.CIRCUIT_FAILURES):
        circuit_failure(down.pk, reason="no answer within 8 s")

    found = scrape(client)

    state = "portal_site_circuit_state"
    assert value(found, state, site=up.name, state="closed") == 1
    assert value(found, state, site=up.name, state="open") == 0
    assert value(found, state, site=down.name, state="open") == 1
    assert value(found, state, site=down.name, state="closed") == 0
    failures = settings.CIRCUIT_FAILURES
    assert value(found, "portal_site_circuit_failures", site=down.name) == failures

    circuit_probe_now(down.pk)  # "try again": half-open, the next page's work is the probe
    found = scrape(client)
    assert value(found, state, site=down.name, state="half_open") == 1
    assert value(found, state, site=down.name, state="open") == 0


def test_the_queue_depth_is_read_from_the_broker(client, settings):
    queue = f"metrics-{uuid.uuid4().hex[:8]}"
    settings.NOTIFY_QUEUE = queue
    try:
        for _ in range(3):
            heartbeat.apply_async(queue=queue)
        found = scrape(client)
        assert value(found, "portal_queue_messages", queue=queue) == 3
        assert value(found, "portal_broker_up") == 1
    finally:
        with current_app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)
    assert value(scrape(client), "portal_queue_messages", queue=queue) == 0
