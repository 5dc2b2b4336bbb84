"""A portal with something on every page, for the journeys that look at the pages themselves
(accessibility, phone width, screenshots): an admin connected to two stand-in Frappe sites
with their seeded tasks, a Django-CRM site nobody connected yet, a long-titled task, a team,
a reminder rule and channel, a failed delivery, a finished bulk job and audit entries of real
shapes. ``pages(world)`` names every page and its address."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings as django_settings

from portal import clock
from portal.notifications.models import Channel, Delivery, Rule
from portal.sites.audit import audit_record
from portal.sites.models import Profile, Site, SiteGrant, SiteUser, Team
from portal.tasks_ui.models import BulkJob, BulkRow

PASSWORD = "Ada-Pass-2026!"
MEMBER_PASSWORD = "Omar-Pass-2026!"
# As long as a Frappe site takes (140 characters): it must wrap, never widen the page.
LONG_TITLE = (
    "Call the Al-Harbi family back about the three-bedroom villa in Hittin, the parking, "
    "the school run and the second viewing on Friday afternoon"
)[:140]
ARTEFACTS = Path(django_settings.BASE_DIR) / "var" / "test"


@dataclass
class LookWorld:
    admin: object
    member: object
    sites: dict[str, Site]
    task_id: str  # the long-titled task on Riyadh
    job: BulkJob
    delivery: Delivery
    rule: Rule
    channel: Channel
    team: Team
    extra: dict = field(default_factory=dict)


def make_look_world(portal_site, connect, django_user_model, settings, live_server, standin):
    settings.PORTAL_BASE_URL = live_server.url
    admin = django_user_model.objects.create_user("ada", email="ada@portal.test", password=PASSWORD)
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    member = django_user_model.objects.create_user("omar", password=MEMBER_PASSWORD)
    Profile.objects.create(user=member, role=Profile.Role.MEMBER)
    sites = {
        "riyadh": portal_site("riyadh", time_zone="Asia/Riyadh"),
        "cairo": portal_site("cairo", time_zone="Africa/Cairo"),
    }
    # A kind connected with a token: its connect page is the portal's own form.
    sites["jeddah"] = Site.objects.create(
        name="Jeddah", backend="djangocrm", base_url="http://127.0.0.1:9/",
        organisation="00000000-0000-4000-8000-000000000001", time_zone="Asia/Riyadh",
    )  # fmt: skip
    for name in ("riyadh", "cairo"):
        SiteGrant.objects.create(site=sites[name], user=admin)
        SiteGrant.objects.create(site=sites[name], user=member)
        connect(admin, sites[name], "sales1")
    SiteGrant.objects.create(site=sites["jeddah"], user=admin)

    [task_id] = standin.sites["riyadh"].control.insert_tasks(
        [{"title": LONG_TITLE, "priority": "High", "status": "Todo",
          "assignees": ["sales1@riyadh.test"]}]
    )  # fmt: skip
    task_id = str(task_id)
    riyadh = sites["riyadh"]
    now = clock.now()

    people = list(SiteUser.objects.filter(site=riyadh)[:3])
    team = Team.objects.create(name="Riyadh sales", lead=admin)
    team.members.add(*people)
    channel = Channel.objects.create(name="Team mail", kind=Channel.Kind.EMAIL)
    rule = Rule.objects.create(name="Overdue, every day", repeat_every_hours=24, max_repeats=2)
    rule.sites.set([riyadh])
    delivery = Delivery.objects.create(
        key=uuid.uuid4().hex, rule=rule, rule_name=rule.name, channel=channel,
        channel_kind="email", recipient="sales1@riyadh.test", recipient_name="Sales One",
        shape=Delivery.Shape.TASK, summary="first", site=riyadh, status=Delivery.Status.FAILED,
        send_after=now, attempts=1, last_error="550 5.1.1 mailbox unavailable",
        last_error_at=now, created_at=now,
    )  # fmt: skip
    job = BulkJob.objects.create(
        owner=admin, action="status", to_status="done", status="finished", created_at=now,
        finished_at=now + timedelta(seconds=3),
    )  # fmt: skip
    BulkRow.objects.create(job=job, position=0, site=riyadh, site_name=riyadh.name,
                           task_id=task_id, title=LONG_TITLE, state="ok", attempts=1,
                           finished_at=now)  # fmt: skip
    BulkRow.objects.create(job=job, position=1, site=sites["cairo"], site_name="Cairo",
                           task_id="999999", title="Gone already", state="failed",
                           message="The task is no longer on Cairo.", attempts=1,
                           finished_at=now)  # fmt: skip
    # Entries of the shapes the portal writes (services/writes.py, views/people.py).
    audit_record(user=admin, site=riyadh, action="task_create", task_id=task_id,
                 changes={"title": LONG_TITLE, "priority": "High", "status": "Todo",
                          "assignees": ["sales1@riyadh.test"]},
                 credential="oauth connection of sales1@riyadh.test")  # fmt: skip
    audit_record(user=admin, site=riyadh, action="task_status", task_id=task_id,
                 changes={"status": "in_progress"},
                 credential="oauth connection of sales1@riyadh.test")  # fmt: skip
    audit_record(user=admin, site=riyadh, action="task_reassign", task_id=task_id,
                 changes={"assignees": ["sales2@riyadh.test"]}, ok=False,
                 error="Riyadh refused: sales2@riyadh.test is not a user of the site.")  # fmt: skip
    audit_record(user=admin, site=None, action="access_edit", changes={
        "user": "omar", "role": "member", "sites": ["Riyadh", "Cairo"]})  # fmt: skip
    return LookWorld(admin=admin, member=member, sites=sites, task_id=task_id, job=job,
                     delivery=delivery, rule=rule, channel=channel, team=team)  # fmt: skip


def pages(world: LookWorld) -> list[tuple[str, str]]:
    """Every page an admin reaches, by a short name (used in artefact file names)."""
    riyadh, jeddah = world.sites["riyadh"].pk, world.sites["jeddah"].pk
    task = f"/tasks/{riyadh}/{world.task_id}/"
    return [
        ("inbox", "/?scope=all&bucket=overdue"),
        ("inbox-upcoming", "/?scope=all&bucket=upcoming"),
        ("find-tasks", "/tasks/?q=villa"),
        ("board", "/tasks/board/"),
        ("calendar", "/tasks/calendar/?scope=all"),
        ("calendar-week", "/tasks/calendar/?view=week&scope=all"),
        ("task", task),
        ("task-edit", f"{task}edit/"),
        ("task-delete", f"{task}delete/?title=villa&next=/"),
        ("create-choose", "/tasks/new/"),
        ("create", f"/tasks/{riyadh}/new/"),
        ("bulk-job", f"/tasks/bulk/{world.job.public_id}/"),
        ("sites", "/sites/"),
        ("site", f"/sites/{riyadh}/"),
        ("site-add", "/sites/add/"),
        ("site-edit", f"/sites/{riyadh}/edit/"),
        ("site-remove", f"/sites/{riyadh}/remove/"),
        ("site-connect", f"/sites/{jeddah}/connect/"),
        ("people", "/sites/people/"),
        ("person-add", "/sites/people/add/"),
        ("team", f"/sites/teams/{world.team.pk}/"),
        ("audit", "/sites/audit/"),
        ("reminders", "/notifications/"),
        ("rules", "/notifications/rules/"),
        ("rule", f"/notifications/rules/{world.rule.pk}/"),
        ("channels", "/notifications/channels/"),
        ("channel", f"/notifications/channels/{world.channel.pk}/"),
        ("deliveries", "/notifications/deliveries/"),
        ("delivery", f"/notifications/deliveries/{world.delivery.pk}/"),
        ("task-reminders", f"/notifications/tasks/{riyadh}/{world.task_id}/"),
        ("webhook-setup", f"/notifications/sites/{riyadh}/webhook/"),
        ("my-reminders", "/notifications/me/"),
        ("opt-outs", "/notifications/opt-outs/"),
        ("reports", "/reports/"),
        ("completed", "/reports/completed/"),
        ("not-found", "/no-such-page/"),
    ]


# Pages seen logged out or as a member (the 403 page needs someone without the right).
ANONYMOUS_PAGES = [("login", "/accounts/login/")]
MEMBER_PAGES = [("forbidden", "/sites/people/")]
