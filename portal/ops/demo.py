"""Demo data so a newcomer sees something at once. Idempotent: safe on every start.

With the stand-in's demo sites running (`python -m standin --demo`, started by
`manage.py runstack --demo`), the portal registers both sites with their API-key service
credentials, gives the demo member a grant to one of them and the demo lead to both, and
connects the demo people through the site's own OAuth provider. The stand-in sites keep their
tasks across restarts (runstack gives each a state file), not their tokens: those are fetched
again on every start.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from portal.notifications.models import Rule
from portal.notifications.tasks import scan_all
from portal.reports.models import Snapshot
from portal.reports.services.snapshot import snapshot_take
from portal.sites.backends.errors import SiteError
from portal.sites.models import Connection, Profile, ServiceCredential, Site, SiteGrant, Team
from portal.sites.services.clients import backend_for_service
from portal.sites.services.connect import (
    ConnectFailed,
    connection_by_password,
    connection_by_site_login,
    connection_by_token,
)
from portal.sites.services.people import site_user_seen
from portal.sites.services.registry import site_doctor


@dataclass(frozen=True)
class DemoSite:
    name: str
    domain: str  # the stand-in demo's user domain
    prefix: str  # the stand-in demo's OAuth client and API key prefix
    port_offset: int
    tags: str
    time_zone: str  # entered by the admin: a Sales User's API key cannot read it [205]
    api_key: str
    api_secret: str


DEMO_SITES = (
    DemoSite("Riyadh Sales", "riyadh.example", "riyadh", 0, "sales, ksa", "Asia/Riyadh",
             "riyadhkey0000001", "riyadhsecret0001"),
    DemoSite("Cairo Support", "cairo.example", "cairo", 1, "support, egypt", "Africa/Cairo",
             "cairokey00000001", "cairosecret00001"),
)  # fmt: skip
# The stand-in demo's own credentials (standin/frappe/demo.py); they mean nothing elsewhere.
DEMO_SITE_PASSWORDS = {
    "sales1": "Sales1-Pass!2026",
    "manager1": "Manager1-Pass!2026",
    "lead1": "Lead1-Pass!2026",
}


DEMO_TEAM = "Field sales"


def demo_password(role: str) -> str:
    """Generated once per data folder and kept there: stable across restarts, never a
    well-known default."""
    path = settings.DATA_DIR / "demo_logins.json"
    logins = json.loads(path.read_text()) if path.exists() else {}
    if role not in logins:
        logins[role] = secrets.token_urlsafe(9)
        path.write_text(json.dumps(logins))
        path.chmod(0o600)
    return logins[role]


def demo_user(username: str, *, role: str, admin: bool = False, language: str = "en"):
    User = get_user_model()
    password = demo_password(username)
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"is_staff": admin, "is_superuser": admin, "email": f"{username}@demo.local"},
    )
    if created or not user.check_password(password):
        user.set_password(password)
        user.save()
    # The language is set once: a person who switches it keeps their choice across restarts.
    profile, created = Profile.objects.get_or_create(
        user=user, defaults={"role": role, "language": language}
    )
    if not created and profile.role != role:
        profile.role = role
        profile.save(update_fields=["role"])
    return user, f"{username} / {password}"


def demo_site(demo: DemoSite, *, port_base: int) -> Site:
    base_url = f"http://127.0.0.1:{port_base + demo.port_offset}"
    site, _ = Site.objects.update_or_create(
        base_url=base_url,
        defaults={
            "name": demo.name,
            "client_id": f"{demo.prefix}-portal",
            "tags": demo.tags,
            "time_zone": demo.time_zone,
        },
    )
    ServiceCredential.objects.update_or_create(
        site=site,
        defaults={
            "kind": ServiceCredential.Kind.API_KEY,
            "api_key": demo.api_key,
            "api_secret": demo.api_secret,
        },
    )
    return site


def demo_djangocrm_site(ready: dict, *, member, lead) -> Site:
    """The Django-CRM demo site (``standin.djangocrm.demo``): registered with its admin's token
    for scheduled jobs; the member connects as sales1 with their token, the lead sees it."""
    admin_email, sales1 = sorted(ready["tokens"])  # admin@…, sales1@…
    site = Site.objects.filter(backend=Site.Backend.DJANGOCRM, base_url=ready["url"]).first()
    site = site or Site(backend=Site.Backend.DJANGOCRM, base_url=ready["url"])
    # The organisation id comes from the site: kept across restarts, read again on each.
    site.name, site.organisation = ready["name"], ready["org_id"]
    site.time_zone, site.tags = ready["time_zone"], "operations, ksa"
    site.save()
    ServiceCredential.objects.update_or_create(
        site=site,
        defaults={"kind": ServiceCredential.Kind.TOKEN, "api_key": "",
                  "api_secret": ready["tokens"][admin_email]},
    )  # fmt: skip
    for person in (member, lead):
        SiteGrant.objects.get_or_create(site=site, user=person)
    Connection.objects.filter(site=site, user=member).delete()
    connection_by_token(user=member, site=site, token=ready["tokens"][sales1])
    team = Team.objects.filter(name=DEMO_TEAM).first()
    if team is not None:  # the lead's team works on this site too
        team.members.add(site_user_seen(site=site, user_id=sales1, email=sales1,
                                        full_name="Sales One"))  # fmt: skip
    return site


def demo_espocrm_site(ready: dict, *, member, lead) -> Site:
    """The EspoCRM demo site (``standin.espocrm.demo``): registered with its HMAC API user for
    scheduled jobs, its webhooks made by the portal; the member connects as sales1 with the
    demo password (exchanged for the site's token), the lead sees it."""
    site = Site.objects.filter(backend=Site.Backend.ESPOCRM, base_url=ready["url"]).first()
    site = site or Site(backend=Site.Backend.ESPOCRM, base_url=ready["url"])
    site.name, site.time_zone, site.tags = ready["name"], ready["time_zone"], "facilities, ksa"
    site.save()
    ServiceCredential.objects.update_or_create(
        site=site,
        defaults={"kind": ServiceCredential.Kind.API_KEY, "api_key": ready["api_key"],
                  "api_secret": ready["api_secret"]},
    )  # fmt: skip
    for person in (member, lead):
        SiteGrant.objects.get_or_create(site=site, user=person)
    connection_by_site_login(
        user=member, site=site, username=ready["user"], password=ready["password"]
    )
    url = settings.PORTAL_BASE_URL + reverse("notifications:site_webhook", args=[site.pk])
    secret = backend_for_service(site).webhooks_install(url)
    Site.objects.filter(pk=site.pk).update(webhook_secret=secret)
    return site


def demo_prepare(
    *,
    standin_port_base: int | None = None,
    djangocrm: dict | None = None,
    espocrm: dict | None = None,
) -> list[str]:
    """Creates the demo people (and, with stand-in sites, registers and connects them);
    returns their logins as "user / password" lines."""
    admin, admin_login = demo_user("admin", role=Profile.Role.ADMIN, admin=True)
    member, member_login = demo_user("mona", role=Profile.Role.MEMBER)
    if standin_port_base is None:
        return [admin_login, member_login]
    lead, lead_login = demo_user("layla", role=Profile.Role.LEAD, language="ar")
    sites = []
    for index, demo in enumerate(DEMO_SITES):
        site = demo_site(demo, port_base=standin_port_base)
        try:
            connection_by_password(
                user=admin, site=site, site_user=f"manager1@{demo.domain}",
                password=DEMO_SITE_PASSWORDS["manager1"],
            )  # fmt: skip
            if index == 0:  # the member may see the first site only
                SiteGrant.objects.get_or_create(site=site, user=member)
                connection_by_password(
                    user=member, site=site, site_user=f"sales1@{demo.domain}",
                    password=DEMO_SITE_PASSWORDS["sales1"],
                )  # fmt: skip
            SiteGrant.objects.get_or_create(site=site, user=lead)  # the lead sees every site
            connection_by_password(
                user=lead, site=site, site_user=f"lead1@{demo.domain}",
                password=DEMO_SITE_PASSWORDS["lead1"],
            )  # fmt: skip
        except SiteError as error:  # the demo still starts; the sites page shows why
            site.last_error = f"Demo connection failed: {error.message}"
            site.save(update_fields=["last_error"])
        site_doctor(site=site)
        sites.append((site, demo))
    demo_team_and_rule(lead=lead, sites=sites)
    snapshot_sites = [site for site, _demo in sites]
    for ready, register in ((djangocrm, demo_djangocrm_site), (espocrm, demo_espocrm_site)):
        if not ready:
            continue
        try:
            crm = register(ready, member=member, lead=lead)
        except (SiteError, ConnectFailed) as error:  # the demo still starts; the page says why
            crm = Site.objects.filter(base_url=ready["url"]).first()
            if crm is not None:
                crm.last_error = f"Demo connection failed: {error.message}"
                crm.save(update_fields=["last_error"])
        if crm is not None:
            site_doctor(site=crm)
            snapshot_sites.append(crm)
    for site in snapshot_sites:
        snapshot_take(site=site, trigger=Snapshot.Trigger.ON_DEMAND)  # the reports show data
    scan_all.delay()  # the first reminders go out now, not in a quarter of an hour
    return [
        admin_login,
        f"{member_login} (a member: sees {DEMO_SITES[0].name}"
        + "".join(f", {r['name']}" for r in (djangocrm, espocrm) if r)
        + ("" if djangocrm or espocrm else " only")
        + ")",
        f"{lead_login} (a team lead who reads Arabic: reports and escalations)",
    ]


def demo_team_and_rule(*, lead, sites) -> None:
    """A team spanning both sites, led by the demo lead, and a reminder rule: a daily digest
    of overdue tasks to the assignees, escalated to the lead after two days and to the admin a
    day later; tasks nobody holds go to the lead; reminders a day and an hour before a task is
    due; nothing between 22:00 and 07:00 Riyadh time. Mail goes through SMTP to the demo's mail
    catcher (/ops/mail/), or to EMAIL_HOST when it is set."""
    team, _ = Team.objects.get_or_create(name=DEMO_TEAM, defaults={"lead": lead})
    for site, demo in sites:
        for person, name in (("sales1", "Sales One"), ("norole", "No Role")):
            user_id = f"{person}@{demo.domain}"
            team.members.add(
                site_user_seen(site=site, user_id=user_id, email=user_id, full_name=name)
            )
    Rule.objects.get_or_create(
        name="Overdue tasks: daily digest",
        defaults={
            "assignees": True, "team_leads": True, "first_after_minutes": 0,
            "repeat_every_hours": 24, "max_repeats": 3, "escalate_after_hours": 48,
            "escalate_next_after_hours": 24, "escalate_next_address": "admin@demo.local",
            "unassigned_to": Rule.Unassigned.TEAM_LEAD, "before_due_minutes": [1440, 60],
            "quiet_start": time(22, 0), "quiet_end": time(7, 0), "time_zone": "Asia/Riyadh",
            "shape": Rule.Shape.DIGEST, "buckets": Rule.Buckets.OVERDUE,
        },
    )  # fmt: skip
