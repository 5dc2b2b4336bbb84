"""The notification centre through a real Celery worker: beat's scan plans a reminder for a
portal account, the worker delivers it by email and into the centre once, and a second scan
adds nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from portal.notifications.models import Channel, Delivery, Notification
from portal.sites.models import Connection, Profile
from tests.integration.notifications.conftest import T0, make_rule
from tests.integration.notifications.test_worker import run_scan

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
SALES2 = "sales2@riyadh.test"


def test_a_worker_delivers_into_the_centre_once(
    tasks, sites, email_channel, mailbox, clocks, notify_worker, settings
):
    settings.NOTIFY_CENTRE_BY_DEFAULT = True  # handed to the worker's environment
    # A transactional test starts from an emptied database: the migration's channel is gone.
    Channel.objects.get_or_create(name="In the portal", defaults={"kind": "portal"})
    sara = User.objects.create_user("sara", email="sara@portal.test")
    Profile.objects.create(user=sara, time_zone="Asia/Riyadh")
    Connection.objects.create(user=sara, site=sites["riyadh"], site_user_id=SALES2)
    make_rule()
    tasks.add("riyadh", title="Call back the buyer", due=T0 - timedelta(days=1),
              assignees=[SALES2])  # fmt: skip
    notify_worker()

    run_scan()
    run_scan()

    [note] = Notification.objects.all()
    assert note.user == sara and note.title == "Overdue: Call back the buyer"
    assert sorted(Delivery.objects.values_list("channel_kind", "status")) == [
        ("email", "sent"), ("portal", "sent"),
    ]  # fmt: skip
    assert len(mailbox.to("sara@portal.test")) == 1
