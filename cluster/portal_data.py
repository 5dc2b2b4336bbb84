"""What the check puts in the stand-in sites and in the portal, and what it reads back from the
ledger. Imported after django.setup(): the script talks to the cluster's database directly,
as an admin's shell would."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User

from portal.notifications.models import Channel, Delivery, Rule
from portal.sites.models import Profile, ServiceCredential, Site, SiteGrant
from portal.sites.services.connect import connection_by_password
from portal.sites.services.registry import site_doctor

# name: (time zone, first task id)
SITES = {"riyadh": ("Asia/Riyadh", 1001), "cairo": ("Africa/Cairo", 5001)}
# The stand-in's own users and keys: they mean nothing elsewhere.
SITE_USER = "manager1"
SITE_PASSWORD = "Manager1-Pass!2026"  # noqa: S105 (a stand-in user's)
CLIENT_ID = "portal"


def site_user(name: str) -> str:
    return f"{SITE_USER}@{name}.cluster"


def api_key(name: str) -> str:
    return f"{name}-cluster-key"


def api_secret(name: str) -> str:
    return f"{name}-cluster-secret"


def standin_config(*, host: str, redirect_uri: str) -> dict:
    sites = []
    for name, (zone, first_id) in SITES.items():
        sites.append(
            {
                "name": name,
                "host": host,
                "flavour": "deployed",
                "time_zone": zone,
                "first_task_id": first_id,
                "users": [
                    {
                        "name": site_user(name),
                        "email": site_user(name),
                        "first_name": "Manager",
                        "last_name": name.title(),
                        "password": SITE_PASSWORD,
                        "roles": ["Sales Manager", "Sales User"],
                        "api_key": api_key(name),
                        "api_secret": api_secret(name),
                    }
                ],
                "oauth_clients": [
                    {
                        "client_id": CLIENT_ID,
                        "client_secret": "s",
                        "app_name": "Portal",
                        "redirect_uris": [redirect_uri],
                        "skip_authorization": True,
                        "scopes": "all openid",
                    }
                ],
            }
        )
    return {"sites": sites, "host": host}


def _local(zone: str, when: datetime) -> str:
    return when.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


def tasks_seed(handle, *, overdue: int, later: int) -> tuple[list[int], list[int]]:
    """`overdue` tasks two days past their due date (the scan reminds of them) and `later`
    tasks due next week (the bulk job's), none assigned."""
    zone = SITES[handle.name][0]
    now = datetime.now(UTC)
    rows = [
        {
            "title": f"Overdue call {i + 1}",
            "start_date": _local(zone, now - timedelta(days=3)),
            "due_date": _local(zone, now - timedelta(days=2)),
            "priority": "High",
            "task_type": "call",
            "status": "Todo",
        }
        for i in range(overdue)
    ]
    rows += [
        {
            "title": f"Follow-up {i + 1}",
            "start_date": _local(zone, now + timedelta(days=6)),
            "due_date": _local(zone, now + timedelta(days=7)),
            "priority": "Medium",
            "task_type": "call",
            "status": "Todo",
        }
        for i in range(later)
    ]
    ids = handle.control.insert_tasks(rows)
    return ids[:overdue], ids[overdue:]


@dataclass(frozen=True)
class Seeded:
    sites: dict[str, Site]
    username: str
    password: str
    rule: Rule


def portal_seed(*, handles: dict, hook_url: str, hook_secret: str) -> Seeded:
    """The stand-in sites registered with API-key service credentials, an admin connected to
    both through each site's OAuth provider, a signed webhook channel and a rule that sends it
    one message per overdue task."""
    password = secrets.token_urlsafe(12)
    admin = User.objects.create_user(
        "cluster-admin", email="cluster-admin@portal.test", password=password
    )
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    sites = {}
    for name, handle in handles.items():
        site = Site.objects.create(
            name=name.title(), base_url=handle.url, client_id=CLIENT_ID, time_zone=SITES[name][0]
        )
        ServiceCredential.objects.create(
            site=site,
            kind=ServiceCredential.Kind.API_KEY,
            api_key=api_key(name),
            api_secret=api_secret(name),
        )
        site_doctor(site=site)
        SiteGrant.objects.create(site=site, user=admin)
        connection_by_password(
            user=admin, site=site, site_user=site_user(name), password=SITE_PASSWORD
        )
        site.refresh_from_db()
        sites[name] = site
    hook = Channel.objects.create(
        name="Cluster receiver", kind=Channel.Kind.WEBHOOK,
        config={"url": hook_url, "secret": hook_secret},
    )  # fmt: skip
    rule = Rule.objects.create(
        name="Cluster check: every overdue task", assignees=False,
        shape=Rule.Shape.TASK, buckets=Rule.Buckets.OVERDUE, first_after_minutes=0,
        repeat_every_hours=0, max_repeats=0,
    )  # fmt: skip
    rule.sites.set(sites.values())
    rule.broadcast_channels.set([hook])
    return Seeded(sites=sites, username=admin.username, password=password, rule=rule)


@dataclass(frozen=True)
class LedgerRow:
    key: str
    status: str
    worker: str
    attempts: int


def ledger_rows(rule: Rule) -> list[LedgerRow]:
    rows = Delivery.objects.filter(rule=rule).values_list("key", "status", "worker", "attempts")
    return [LedgerRow(*row) for row in rows]


def ledger_worker_of(key: str) -> str:
    """The worker that claimed the delivery last (its Celery node name)."""
    return Delivery.objects.filter(key=key).values_list("worker", flat=True).first() or ""


SETTLED = {Delivery.Status.SENT, Delivery.Status.FAILED, Delivery.Status.UNKNOWN,
           Delivery.Status.OBSOLETE}  # fmt: skip
