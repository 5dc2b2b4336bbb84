"""Tasks without an assignee reach whom each rule names (a person, the site's team leads, a
channel), and the reminders overview counts per site the overdue tasks nobody is reminded of,
linking to them on the filter page."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from portal.notifications.models import Channel, Delivery, DeliveryItem, SiteScan
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.sites.models import Profile
from tests.integration.notifications.conftest import T0, make_lead, make_rule, site_user

pytestmark = pytest.mark.django_db
SALES1 = "sales1@riyadh.test"


def scan():
    return scan_run_inline(run=scan_run_start(trigger="test"))


def recipients() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for delivery in Delivery.objects.select_related("channel"):
        found[(delivery.channel.name, delivery.recipient)] = sorted(
            delivery.items.values_list("task_id", flat=True)
        )
    return found


def test_unassigned_overdue_tasks_go_to_the_person_the_rule_names(tasks, sites, email_channel):
    make_rule(unassigned_to="person", unassigned_address="Dispatch@Portal.test")
    nobody = tasks.add("riyadh", title="nobody's", due=T0 - timedelta(days=1))
    mine = tasks.add("riyadh", title="mine", due=T0 - timedelta(days=1), assignees=[SALES1])

    scan()

    assert recipients() == {("Email", "dispatch@portal.test"): [nobody], ("Email", SALES1): [mine]}


def test_unassigned_overdue_tasks_go_to_the_team_leads_of_the_site(tasks, sites, email_channel):
    make_rule(unassigned_to="team_lead")
    make_lead(username="lina", email="lina@portal.test",
              members=[site_user(sites["riyadh"], SALES1)])  # fmt: skip
    make_lead(username="omar", email="omar@portal.test",
              members=[site_user(sites["cairo"], "sales1@cairo.test")])  # fmt: skip
    riyadh = tasks.add("riyadh", title="nobody's in Riyadh", due=T0 - timedelta(days=1))
    cairo = tasks.add("cairo", title="nobody's in Cairo", due=T0 - timedelta(days=2))

    scan()

    assert recipients() == {
        ("Email", "lina@portal.test"): [riyadh],
        ("Email", "omar@portal.test"): [cairo],
    }
    assert Delivery.objects.get(recipient="lina@portal.test").time_zone == "Asia/Riyadh"


def test_unassigned_overdue_tasks_go_to_the_rules_channel(tasks, sites, email_channel):
    hook = Channel.objects.create(name="Dispatch hook", kind="webhook", config={"url": "http://x/"})
    make_rule(unassigned_to="channel", unassigned_channel=hook)
    nobody = tasks.add("riyadh", title="nobody's", due=T0 - timedelta(days=1))
    tasks.add("riyadh", title="mine", due=T0 - timedelta(days=1), assignees=[SALES1])

    scan()

    assert recipients()[("Dispatch hook", "")] == [nobody]  # assigned tasks stay off it
    assert scan() == []  # and never twice
    assert DeliveryItem.objects.filter(task_id=nobody).count() == 1


def test_a_rule_without_an_unassigned_recipient_leaves_them_uncovered(tasks, sites, email_channel):
    make_rule()
    tasks.add("riyadh", title="nobody's", due=T0 - timedelta(days=1))
    tasks.add("riyadh", title="nobody's either", due=T0 - timedelta(days=3))
    tasks.add("riyadh", title="mine", due=T0 - timedelta(days=1), assignees=[SALES1])
    tasks.add("cairo", title="nobody's in Cairo", due=T0 - timedelta(days=1))

    scan()

    counts = {s.site.name: s.uncovered_count for s in SiteScan.objects.select_related("site")}
    assert counts == {sites["riyadh"].name: 2, sites["cairo"].name: 1}
    assert list(Delivery.objects.values_list("recipient", flat=True)) == [SALES1]


def test_naming_a_recipient_for_unassigned_tasks_covers_them(tasks, sites, email_channel):
    make_rule(unassigned_to="person", unassigned_address="dispatch@portal.test",
              sites=[sites["riyadh"]])  # fmt: skip
    tasks.add("riyadh", title="nobody's", due=T0 - timedelta(days=1))
    tasks.add("cairo", title="nobody's in Cairo", due=T0 - timedelta(days=1))

    scan()

    counts = {s.site_id: s.uncovered_count for s in SiteScan.objects.all()}
    assert counts == {sites["riyadh"].pk: 0, sites["cairo"].pk: 1}  # the rule is Riyadh's only


def test_the_overview_shows_uncovered_tasks_per_site_with_a_link_to_them(
    client, tasks, sites, email_channel
):
    admin = User.objects.create_user("admin", email="admin@portal.test", password="x-Long-Pass-1")
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    client.force_login(admin)
    make_rule()
    tasks.add("riyadh", title="nobody's", due=T0 - timedelta(days=1))
    tasks.add("riyadh", title="nobody's either", due=T0 - timedelta(days=2))
    scan()

    page = client.get("/notifications/").content.decode()

    riyadh, cairo = sites["riyadh"], sites["cairo"]
    link = f'href="/tasks/?site={riyadh.pk}&amp;bucket=overdue&amp;assignee=none"'
    assert link in page
    assert "2 overdue tasks reach nobody" in page
    assert f"<bdi>{cairo.name}</bdi>: every overdue task reaches someone" in page
