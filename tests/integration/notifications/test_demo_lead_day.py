"""One day of the demo's reminders as its team lead lives it: the demo's own stand-in sites, people
and rule (what `make run` sets up), a scan every hour for 24 hours under one clock moved with the
sites', and what reaches the lead, by channel. Printed as a table (run with -s to read it)."""

from __future__ import annotations

import socket
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User

from portal import clock
from portal.notifications.models import Channel, Delivery, DeliveryItem
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.ops import demo
from portal.sites.models import Connection
from standin.frappe.demo import demo_document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            base = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", base + 1))
                except OSError:
                    continue
        return base
    raise RuntimeError("no two free ports side by side")


@pytest.fixture
def demo_sites(settings, tmp_path, monkeypatch):
    from standin.testing import StandinProcess

    base = _free_port_pair()
    settings.DATA_DIR = tmp_path
    settings.NOTIFY_CENTRE_BY_DEFAULT = True  # as the demo runs
    # The demo asks for a scan at once through the broker; here the test scans itself.
    monkeypatch.setattr(demo.scan_all, "delay", lambda *a, **k: None)
    with StandinProcess(demo_document(port_base=base)) as process:
        yield base, process


def test_what_the_demo_team_lead_receives_in_one_day(demo_sites, settings, tmp_path):
    base, process = demo_sites
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    settings.PORTAL_CLOCK_FILE = str(tmp_path / "clock.json")

    def set_clock(when: datetime) -> None:
        clock.set_clock(settings.PORTAL_CLOCK_FILE, frozen=when)
        for handle in process.sites.values():
            handle.control.set_clock(now=when.isoformat())

    set_clock(start)
    # The centre's channel, as the migration makes it (a transactional test before this one may
    # have flushed the tables).
    Channel.objects.get_or_create(kind=Channel.Kind.PORTAL, defaults={"name": "In the portal"})
    demo.demo_prepare(standin_port_base=base)
    lead = User.objects.get(username="layla")
    lead_addresses = {lead.email.lower()} | {
        c.site_user_id.lower() for c in Connection.objects.filter(user=lead) if c.site_user_id
    }

    for hour in range(24):
        set_clock(start + timedelta(hours=hour))
        scan_run_inline(run=scan_run_start(trigger="test"))

    deliveries = Delivery.objects.filter(recipient__in=lead_addresses).select_related("channel")
    by_channel: Counter = Counter()
    steps: Counter = Counter()
    for delivery in deliveries:
        by_channel[delivery.channel.kind] += 1
        for item in DeliveryItem.objects.filter(delivery=delivery):
            steps[(delivery.channel.kind, item.step_label)] += 1
    print(
        f"\nthe demo's team lead ({lead.email}) from {start:%Y-%m-%d %H:%M} UTC, 24 hourly scans:"
    )
    for kind, count in sorted(by_channel.items()):
        detail = ", ".join(f"{n} {label}" for (k, label), n in sorted(steps.items()) if k == kind)
        print(f"  {kind}: {count} messages ({detail})")

    assert by_channel[Channel.Kind.EMAIL] > 0
    # The portal's notification centre gets what the lead's email gets, message for message.
    assert by_channel[Channel.Kind.PORTAL] == by_channel[Channel.Kind.EMAIL]
    # The tasks nobody holds reach the lead (the demo rule routes them there).
    handles = {h.url.rstrip("/"): h for h in process.sites.values()}
    held_by_nobody = [
        item
        for item in DeliveryItem.objects.filter(
            delivery__in=deliveries, delivery__channel__kind=Channel.Kind.EMAIL
        ).select_related("site")
        if not handles[item.site.base_url].control.task(int(item.task_id))["assignees"]
    ]
    assert held_by_nobody
    print(f"  of which tasks nobody holds: {len(held_by_nobody)} reminders by email")
    # Never the same task and step twice on one channel.
    keys = Counter(
        (i.delivery.channel_id, i.site_id, i.task_id, i.step)
        for i in DeliveryItem.objects.filter(delivery__in=deliveries).select_related("delivery")
    )
    assert max(keys.values()) == 1
    # Nothing between 22:00 and 07:00 in Riyadh.
    for delivery in deliveries.filter(channel__kind=Channel.Kind.EMAIL):
        sent_hour = delivery.send_after.astimezone(demo_zone()).hour
        assert not (sent_hour >= 22 or sent_hour < 7), delivery.send_after


def demo_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Riyadh")
