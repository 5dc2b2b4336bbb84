"""Apprise sends through real Celery worker processes, killed mid-send: a worker killed while an
Apprise service holds the request (it has the message, its answer never comes) leaves the
delivery "outcome unknown" once the claim expires, and nothing sends it a second time by itself;
a person's replay sends it again. The receiver is a local HTTP server behind Apprise's json://
and ntfy:// targets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings

from portal.notifications.models import Channel, Delivery
from portal.notifications.services.ledger import delivery_replay
from portal.notifications.tasks import scan_all, sweep
from tests.integration.notifications.conftest import T0, make_rule
from tests.integration.notifications.servers import Reply
from tests.integration.notifications.test_worker import run_scan, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def apprise_channel(receiver, target: str) -> Channel:
    url = f"{target}://{receiver.url.split('//', 1)[1]}/apprise-hook"
    return Channel.objects.create(name="Apprise", kind="apprise", config={"url": url})


@pytest.mark.parametrize(("target", "route"), [("json", "/apprise-hook"), ("ntfy", "/")])
def test_a_worker_killed_while_apprise_sends_ends_unknown_and_is_not_sent_twice(
    tasks, sites, email_channel, receiver, clocks, notify_worker, target, route
):
    channel = apprise_channel(receiver, target)
    make_rule(assignees=False, broadcast_channels=[channel])
    tasks.add("riyadh", title="overdue", due=T0 - timedelta(days=1))
    receiver.script(route, Reply(hang=True))  # the service has it; its answer never comes
    first = notify_worker()
    scan_all.apply_async(queue=settings.NOTIFY_QUEUE)
    receiver.wait_for(route, timeout=90)
    first.kill()
    assert Delivery.objects.get().status == "sending"

    clocks.advance(seconds=settings.NOTIFY_CLAIM_SECONDS + 1)
    notify_worker()
    sweep.apply_async(queue=settings.NOTIFY_QUEUE)
    delivery = wait_until(
        lambda: Delivery.objects.filter(status="unknown").first(), what="outcome unknown"
    )
    assert "may or may not have gone out" in delivery.last_error
    run_scan()  # a later scan and sweep send nothing new either
    sweep.apply_async(queue=settings.NOTIFY_QUEUE)
    assert len(receiver.to(route)) == 1 and Delivery.objects.get().status == "unknown"

    receiver.release()
    assert delivery_replay(delivery=delivery)  # a person checked it did not arrive
    wait_until(lambda: Delivery.objects.get().status == "sent", what="the replay")
    assert len(receiver.to(route)) == 2


def test_a_worker_sends_through_apprise_once_in_a_full_run(
    tasks, sites, email_channel, receiver, clocks, notify_worker
):
    channel = apprise_channel(receiver, "json")
    make_rule(assignees=False, broadcast_channels=[channel])
    tasks.add("riyadh", title="Riyadh task", due=T0 - timedelta(days=1))
    notify_worker()
    run_scan()
    run_scan()  # a second scan in a row sends nothing new
    [post] = receiver.to("/apprise-hook")
    assert "Riyadh task" in post.json["message"]
    assert Delivery.objects.get().status == "sent"
