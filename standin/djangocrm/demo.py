"""`python -m standin.djangocrm --demo`: a Django-CRM site with realistic tasks for a first look,
beside the Frappe demo sites (`manage.py runstack --demo` starts it and registers it).

One organisation, **Jeddah Ops** (Asia/Riyadh): `admin@jeddah.example` (ADMIN) and
`sales1@jeddah.example`, `sales2@jeddah.example` (USER), with fixed personal access tokens
(`DEMO_TOKENS`) that mean nothing outside this stand-in. Tasks are laid out around today on the
organisation's calendar: overdue, due today, upcoming, undated and completed ones.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from standin.demo_process import demo_main
from standin.djangocrm import DjangoCrmSite
from standin.djangocrm.state import Task

ORG = "Jeddah Ops"
ZONE = "Asia/Riyadh"
ADMIN, SALES1, SALES2 = "admin@jeddah.example", "sales1@jeddah.example", "sales2@jeddah.example"
DEMO_TOKENS = {
    ADMIN: "bcrm_pat_demo_jeddah_admin_0000000000000001",
    SALES1: "bcrm_pat_demo_jeddah_sales1_000000000000001",
}
# title, status, priority, due in days from today (None: no due date), assignees
TASKS = (
    ("Call the landlord about unit 12", "New", "High", -3, (SALES1,)),
    ("Send the signed lease to finance", "In Progress", "Medium", -1, (SALES1,)),
    ("Chase the overdue deposit", "New", "High", -6, (SALES2,)),
    ("Visit the Al-Rawdah show flat", "New", "Medium", 0, (SALES1,)),
    ("Prepare the weekly viewing list", "In Progress", "Low", 0, (SALES1, SALES2)),
    ("Quote for the corporate tenant", "New", "High", 2, (SALES1,)),
    ("Renewal reminder: villa 7", "New", "Low", 5, (SALES2,)),
    ("Photograph the new listings", "New", "Medium", 9, (SALES1,)),
    ("Update the price sheet", "New", "Low", None, (SALES1,)),
    ("Follow up the maintenance request", "New", "Medium", -2, ()),
    ("Hand over the keys, unit 4", "Completed", "Medium", -1, (SALES1,)),
    ("Book the cleaning crew", "Completed", "Low", 0, (SALES2,)),
)


def demo_site(*, host: str = "127.0.0.1", port: int = 0) -> DjangoCrmSite:
    site = DjangoCrmSite(users=[ADMIN, SALES1, SALES2], admins=[ADMIN], time_zone=ZONE,
                         org_name=ORG, host=host, port=port)  # fmt: skip
    for email, token in DEMO_TOKENS.items():
        site.token_for(email, token=token)
    today = site.state.now().astimezone(site.state.orgs[site.org_id].zone).date()
    for title, status, priority, days, assignees in TASKS:
        due = today + timedelta(days=days) if days is not None else None
        site.insert(title=title, status=status, priority=priority, due=due,
                    assignees=list(assignees), created_by=ADMIN)  # fmt: skip
    return site


def demo_state(site: DjangoCrmSite) -> dict:
    """What a restart keeps (``--state-file``): the ids the portal stored (organisation, users,
    memberships: what ``assigned_to`` names) and the tasks. Tokens are the fixed demo ones."""
    with site.state.lock:
        org = site.state.orgs[site.org_id]
        tasks = []
        for task in site.state.tasks.values():
            row = {f: v for f, v in asdict(task).items() if f not in ("org", "created_by")}
            row["created_by"] = task.created_by.email
            row["created_at"] = task.created_at.isoformat()
            tasks.append(row)
        return {
            "org": {"id": org.id, "api_key": org.api_key},
            "users": {u.email: u.id for u in site.state.users.values()},
            "profiles": {p.user.email: p.id for p in site.state.members(org)},
            "tasks": tasks,
        }


def demo_restore(site: DjangoCrmSite, data: dict) -> None:
    """The kept ids and tasks in place of the fresh ones ``demo_site`` made."""
    state = site.state
    with state.lock:
        org = state.orgs.pop(site.org_id)
        org.id, org.api_key = data["org"]["id"], data["org"]["api_key"]
        state.orgs[org.id] = org
        site.org_id = org.id
        for user in state.users.values():
            user.id = data["users"].get(user.email, user.id)
        for profile in state.members(org):
            profile.id = data["profiles"].get(profile.user.email, profile.id)
        state.profiles = {p.id: p for p in state.profiles.values()}
        state.tasks = {}
        for row in data["tasks"]:
            creator = state.users.get(row.pop("created_by")) or state.members(org)[0].user
            created_at = datetime.fromisoformat(row.pop("created_at"))
            task = Task(org=org, created_by=creator, created_at=created_at, **row)
            state.tasks[task.id] = task


def main(argv: list[str] | None = None) -> int:
    return demo_main(
        argv, prog="standin.djangocrm", description=__doc__, default_port=8103,
        make_site=demo_site, label=ORG,
        ready=lambda site: {"url": site.url, "org_id": site.org_id, "name": ORG,
                            "time_zone": ZONE, "tokens": DEMO_TOKENS},
        dump=demo_state, restore=demo_restore,
    )  # fmt: skip
