"""A person's own Apprise URL, set on "My reminders": stored encrypted and never shown back,
tested with "Send test", picked per kind of reminder, and reached by nobody else's reminders
(no rule can broadcast to it)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from portal.notifications.forms import RuleForm
from portal.notifications.models import Channel, ChannelPreference, Delivery
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.notifications.services.send import delivery_send
from portal.sites.models import AuditEntry, Connection, Profile
from tests.integration.notifications.conftest import T0, make_rule
from tests.integration.notifications.servers import Reply

pytestmark = pytest.mark.django_db
SALES2 = "sales2@riyadh.test"
TOPIC = "sara-private-topic-7c1d"


@pytest.fixture
def sara(sites):
    user = User.objects.create_user("sara", email="sara@portal.test", password="x-Long-Pass-1")
    Profile.objects.create(user=user, language="en", time_zone="Asia/Riyadh")
    Connection.objects.create(user=user, site=sites["riyadh"], site_user_id=SALES2)
    return user


def her_url(receiver) -> str:
    return f"ntfy://{receiver.url.split('//', 1)[1]}/{TOPIC}"


def test_she_sets_her_url_tests_it_and_never_sees_it_again(client, sara, receiver):
    client.force_login(sara)
    answer = client.post("/notifications/me/apprise/", {"action": "save", "url": her_url(receiver)})
    assert answer.status_code == 302
    channel = Channel.objects.get(owner=sara)
    assert channel.kind == "apprise" and channel.config == {"url": her_url(receiver)}
    assert AuditEntry.objects.filter(action="personal_apprise_set").exists()
    page = client.get("/notifications/me/").content.decode()
    assert TOPIC not in page and "ntfy://127.0.0.1" in page
    assert 'name="digest" value="apprise"' in page  # now offered per kind

    page = client.post("/notifications/me/apprise/test/", follow=True).content.decode()
    assert "Sent. Check that it arrived." in page
    [post] = receiver.to("/")
    assert post.json["topic"] == TOPIC

    receiver.script("/", Reply(403, "forbidden"))
    page = client.post("/notifications/me/apprise/test/", follow=True).content.decode()
    assert "Failed: ntfy (127.0.0.1): HTTP 403: forbidden" in page


def test_a_url_apprise_cannot_send_over_http_is_refused(client, sara):
    client.force_login(sara)
    page = client.post("/notifications/me/apprise/", {"action": "save",
                       "url": "mailto://me:pw-9f8e7d@example.com"}, follow=True)  # fmt: skip
    text = page.content.decode()
    assert "does not send over HTTP" in text and "pw-9f8e7d" not in text
    assert not Channel.objects.filter(owner=sara).exists()


def test_her_reminders_go_to_her_url_when_she_picks_it(
    tasks, sites, email_channel, sara, receiver, settings
):
    settings.NOTIFY_CENTRE_BY_DEFAULT = True
    Channel.objects.create(name="Sara's", kind="apprise", owner=sara,
                           config={"url": her_url(receiver)})  # fmt: skip
    ChannelPreference.objects.create(user=sara, kind="digest", channels=["apprise"])
    make_rule()
    tasks.add("riyadh", title="Call back the buyer", due=T0 - timedelta(days=1),
              assignees=[SALES2])  # fmt: skip
    scan_run_inline(run=scan_run_start(trigger="test"))
    [delivery] = Delivery.objects.all()
    assert (delivery.channel_kind, delivery.recipient) == ("apprise", "sara@portal.test")
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    [post] = receiver.to("/")
    assert post.json["topic"] == TOPIC and post.json["title"] == "Overdue: Call back the buyer"


def test_removing_her_url_unticks_it(client, sara, receiver):
    Channel.objects.create(name="Sara's", kind="apprise", owner=sara,
                           config={"url": her_url(receiver)})  # fmt: skip
    ChannelPreference.objects.create(user=sara, kind="digest", channels=["email", "apprise"])
    client.force_login(sara)
    client.post("/notifications/me/apprise/", {"action": "remove"})
    assert not Channel.objects.filter(owner=sara).exists()
    assert ChannelPreference.objects.get(user=sara).channels == ["email"]


def test_no_rule_can_broadcast_to_a_persons_own_url(sara, receiver):
    Channel.objects.create(name="Sara's", kind="apprise", owner=sara,
                           config={"url": her_url(receiver)})  # fmt: skip
    shared = Channel.objects.create(name="Ops ntfy", kind="apprise",
                                    config={"url": her_url(receiver) + "-ops"})  # fmt: skip
    assert list(RuleForm().fields["broadcast_channels"].queryset) == [shared]
