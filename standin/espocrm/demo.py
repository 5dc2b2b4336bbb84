"""`python -m standin.espocrm --demo`: an EspoCRM site with realistic tasks for a first look,
beside the Frappe and Django-CRM demo sites (`manage.py runstack --demo` starts and registers
it).

**Dammam Service** (system zone Asia/Riyadh): the API user `portal` (HMAC, with the fixed key
and secret of `DEMO_API_USER`, a role that may mass-update and make webhooks) for the portal's
scheduled jobs, and `sales1` / `DEMO_PASSWORD` for the demo member. These mean nothing outside
this stand-in. Tasks are laid out around now: overdue, due today, upcoming, all-day ones, an
Urgent one, finished and deferred ones.
"""

from __future__ import annotations

import copy
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from standin.demo_process import demo_main
from standin.espocrm import EspoCrmSite
from standin.espocrm.state import Role, User

NAME = "Dammam Service"
ZONE = "Asia/Riyadh"
DEMO_API_USER = ("portal", "demo0espo0api0key0000000000001", "demo0espo0secret000000000000001")
CRON_SECONDS = 60
DEMO_PASSWORD = "Sales1-Espo-2026"  # noqa: S105 - a throw-away demo value
# name, status, priority, due in hours from now (None: no due date), all day, assignee
TASKS = (
    ("Replace the chiller filter", "Not Started", "Urgent", -30, False, "sales1"),
    ("Inspect the fire doors", "Started", "High", -5, False, "sales1"),
    ("Service the lift, tower B", "Not Started", "Normal", -52, False, "admin"),
    ("Read the water meters", "Not Started", "Normal", 4, False, "sales1"),
    ("Monthly pest control", "Not Started", "Low", 0, True, "sales1"),
    ("Quote for the generator overhaul", "Not Started", "High", 50, False, "sales1"),
    ("Paint the lobby", "Deferred", "Low", -100, False, "sales1"),
    ("Fix the gate motor", "Completed", "High", -20, False, "sales1"),
)


def demo_site(*, host: str = "127.0.0.1", port: int = 0) -> EspoCrmSite:
    site = EspoCrmSite(time_zone=ZONE, host=host, port=port)
    name, key, secret = DEMO_API_USER
    site.add_api_user(name, hmac=True)
    site.add_user("sales1", DEMO_PASSWORD, first_name="Sales", last_name="One")
    with site.state.lock:
        user = site.state.user_by_name(name)
        user.api_key, user.secret_key = key, secret
        for role in site.state.roles.values():
            role.mass_update = "yes"
    now = datetime.now(UTC).replace(microsecond=0)
    local_today = datetime.now(UTC).astimezone(site.clock.zone).date()
    for title, status, priority, hours, all_day, who in TASKS:
        fields = {}
        if all_day:
            fields["date_end_date"] = local_today.isoformat()
        elif hours is not None:
            fields["date_end"] = (now + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M:%S")
        site.insert(name=title, assigned_user=who, status=status, priority=priority, **fields)
    return site


def _ready(site: EspoCrmSite) -> dict:
    _name, key, secret = DEMO_API_USER
    return {"url": site.url, "name": NAME, "time_zone": ZONE, "api_key": key,
            "api_secret": secret, "user": "sales1", "password": DEMO_PASSWORD}  # fmt: skip


_KEPT = ("teams", "accounts", "webhooks", "queue", "tokens")


def demo_state(site: EspoCrmSite) -> dict:
    """What a restart keeps (``--state-file``): users and roles (their ids are what tasks and
    the portal's connection name), tasks, the webhooks the portal made and the events not yet
    sent, sign-in tokens and the id counters. What was sent (``deliveries``) is not kept."""
    state = site.state
    with state.lock:
        tasks = {}
        for task_id, task in state.tasks.items():
            tasks[task_id] = {**copy.deepcopy(task), "_given": sorted(task.get("_given", ()))}
        kept = {name: copy.deepcopy(getattr(state, name)) for name in _KEPT}
        return {
            **kept,
            "users": [asdict(u) for u in state.users.values()],
            "roles": [asdict(r) for r in state.roles.values()],
            "tasks": tasks,
            "seq": state.seq,
            "last_id": state._last_id,
        }


def demo_restore(site: EspoCrmSite, data: dict) -> None:
    """The kept state in place of the fresh one ``demo_site`` made."""
    state = site.state
    with state.lock:
        for name in _KEPT:
            setattr(state, name, data[name])
        state.users = {u["id"]: User(**u) for u in data["users"]}
        state.roles = {r["id"]: Role(**r) for r in data["roles"]}
        state.tasks = {i: {**t, "_given": set(t["_given"])} for i, t in data["tasks"].items()}
        state.seq = data["seq"]
        state._last_id = data["last_id"]


def main(argv: list[str] | None = None) -> int:
    # EspoCRM sends webhooks from its cron job, every minute on a default install.
    return demo_main(
        argv, prog="standin.espocrm", description=__doc__, default_port=8104,
        make_site=demo_site, label=NAME, ready=_ready,
        every=CRON_SECONDS, job=lambda site: site.send_webhooks(),
        dump=demo_state, restore=demo_restore,
    )  # fmt: skip
