"""The rule form's new parts: who takes tasks without an assignee, the further escalation
level and the reminders before the due time, each checked before it is saved."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from portal.notifications.models import Channel, Rule
from portal.sites.models import Profile

pytestmark = pytest.mark.django_db

BASE = {
    "name": "Levels", "enabled": "on", "buckets": "overdue", "assignees": "on",
    "first_after_minutes": 0, "repeat_every_hours": 24, "max_repeats": 3,
    "escalate_after_hours": 4, "time_zone": "Asia/Riyadh", "language": "ar", "shape": "digest",
}  # fmt: skip


@pytest.fixture
def admin(client):
    user = User.objects.create_user("admin", email="admin@portal.test", password="x-Long-Pass-1")
    Profile.objects.create(user=user, role=Profile.Role.ADMIN)
    client.force_login(user)
    return user


def test_an_admin_saves_unassigned_routing_levels_and_leads_before_the_due_time(client, admin):
    hook = Channel.objects.create(name="Ops hook", kind="webhook", config={"url": "http://x/"})
    response = client.post("/notifications/rules/add/", {
        **BASE, "unassigned_to": "person", "unassigned_address": "Dispatch@Portal.test",
        "escalate_next_after_hours": 8, "escalate_next_channel": hook.pk,
        "before_due_text": "1h, 1d",
    })  # fmt: skip
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert (rule.unassigned_to, rule.unassigned_address) == ("person", "Dispatch@Portal.test")
    assert rule.escalate_next_after_hours == 8 and rule.escalate_next_channel == hook
    assert rule.before_due_minutes == [1440, 60]
    page = client.get("/notifications/rules/").content.decode()
    assert "then further after 8 more h" in page and "before due: 1d, 1h" in page
    edit = client.get(f"/notifications/rules/{rule.pk}/").content.decode()
    assert 'value="1d, 1h"' in edit


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"unassigned_to": "person"}, "Name the person who receives them."),
        ({"unassigned_to": "channel"}, "Choose the channel that receives them."),
        ({"escalate_next_after_hours": 8}, "Name a person or choose a channel to escalate to."),
        ({"before_due_text": "tomorrow"}, "is not a time before the due time"),
        ({"buckets": "soon"}, "Say how long before the due time to remind."),
    ],
)
def test_the_rule_form_refuses_half_given_parts(client, admin, extra, error):
    response = client.post("/notifications/rules/add/", {**BASE, **extra})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Rule.objects.exists()
