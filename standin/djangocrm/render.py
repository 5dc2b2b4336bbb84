"""The JSON shapes of the recorded answers, built from the state. Datetimes of org records
come in the org's zone (``Z`` for UTC, ``-08:00`` for Los Angeles [141]); a user's
``last_login`` and an org's own ``created_at`` stay in UTC [139, 142]."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from standin.djangocrm.state import Account, Contact, Org, Profile, State, Task, Team, User


def instant(value: datetime | None, zone: ZoneInfo = UTC) -> str | None:
    if value is None:
        return None
    text = value.astimezone(zone).isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z")


def org_ref(org: Org) -> dict:
    return {"id": org.id, "name": org.name}


def user_ref(user: User) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "profile_pic": None}


def profile(p: Profile) -> dict:
    return {
        "id": p.id,
        "user_details": {
            "email": p.user.email,
            "id": p.user.id,
            "name": p.user.name,
            "is_active": True,
            "profile_pic": None,
            "last_login": instant(p.user.last_login),
        },
        "role": p.role,
        "address": None,
        "has_marketing_access": False,
        "has_sales_access": False,
        "phone": None,
        "date_of_joining": p.date_of_joining.isoformat() if p.date_of_joining else None,
        "is_active": True,
        "created_at": instant(p.created_at, p.org.zone),
    }


def membership(p: Profile) -> dict:
    """An entry of ``organizations`` in /api/auth/me/ and sign-in answers [016]."""
    return {
        "id": p.org.id,
        "name": p.org.name,
        "role": p.role,
        "is_organization_admin": p.is_admin,
        "has_sales_access": False,
        "has_marketing_access": False,
    }


def me(state: State, user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "profile_pic": None,
        "is_active": True,
        "organizations": [membership(p) for p in state.orgs_of(user)],
    }


def current_org(org: Org) -> dict:
    return {
        "id": org.id,
        "name": org.name,
        "default_currency": "USD",
        "currency_symbol": "$",
        "default_country": None,
        "timezone": org.time_zone,
    }


def org_settings(state: State, org: Org) -> dict:
    """The answer of PATCH /api/org/settings/ [139]."""
    blank = dict.fromkeys(("address_line", "city", "state", "postcode", "country", "phone"), "")
    return {
        "id": org.id,
        "name": org.name,
        "company_name": "",
        "logo": None,
        "logo_url": None,
        **blank,
        "email": "",
        "website": "",
        "tax_id": "",
        "default_currency": "USD",
        "default_country": None,
        "currency_symbol": "$",
        "timezone": org.time_zone,
        "csat_enabled": True,
        "auto_close_children_on_parent_close": False,
        "vertical": "",
        "terminology": {},
        "member_count": len(state.members(org)),
        "created_at": instant(org.created_at),
    }


def account_ref(state: State, task: Task) -> dict | None:
    account = state.accounts.get(task.account) if task.account else None
    return {"id": account.id, "name": account.name} if account else None


def account(state: State, a: Account) -> dict:
    """An entry of the list's ``accounts_list`` catalogue [054]."""
    nulls = ("email", "phone", "website", "industry", "number_of_employees", "annual_revenue",
             "currency", "address_line", "city", "state", "postcode", "country",
             "country_display")  # fmt: skip
    tasks = sorted(
        (t for t in state.tasks.values() if t.account == a.id), key=lambda t: t.id, reverse=True
    )  # by UUID, like the list's rows [114]
    return {
        "id": a.id,
        "name": a.name,
        **dict.fromkeys(nulls),
        "assigned_to": [],
        "teams": [],
        "contacts": [],
        "tags": [],
        "description": None,
        "cases": [],
        "tasks": [{"id": t.id, "title": t.title} for t in tasks],
        "opportunities": [],
        "rollups": None,
        "created_by": user_ref(a.created_by),
        "created_at": instant(a.created_at, a.org.zone),
        "is_active": True,
        "org": org_ref(a.org),
        "custom_fields": {},
    }


def contact(c: Contact) -> dict:
    zone = c.org.zone
    nulls = ("phone", "organization", "title", "department")
    return {
        "id": c.id,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "email": c.email,
        **dict.fromkeys(nulls),
        "do_not_call": False,
        "linkedin_url": None,
        **dict.fromkeys(("address_line", "city", "state", "postcode", "country")),
        "assigned_to": [],
        "teams": [],
        "tags": [],
        "description": None,
        "created_by": c.created_by.id,
        "created_at": instant(c.created_at, zone),
        "updated_at": instant(c.created_at, zone),
        "is_active": True,
        "org": org_ref(c.org),
        "account": None,
        "account_detail": None,
        "linked_accounts": [],
        "custom_fields": {},
    }


def team(state: State, t: Team) -> dict:
    return {
        "id": t.id,
        "name": t.name,
        "description": t.description,
        "users": [profile(state.profiles[p]) for p in t.members if p in state.profiles],
        "created_at": instant(t.created_at, t.org.zone),
        "created_by": user_ref(t.created_by),
    }


def assignees(state: State, task: Task) -> list[dict]:
    return [profile(state.profiles[p]) for p in task.assigned if p in state.profiles]


def row(state: State, task: Task) -> dict:
    """A row of the list [054]."""
    return {
        "id": task.id,
        "title": task.title,
        "status": task.status,
        "priority": task.priority,
        "due_date": task.due_date,
        "account": account_ref(state, task),
        "opportunity": None,
        "case": None,
        "lead": None,
        "assigned_to": assignees(state, task),
        "tags": [],
        "created_at": instant(task.created_at, task.org.zone),
    }


def task_obj(state: State, task: Task) -> dict:
    """``task_obj`` of the detail answer [083]."""
    return {
        "id": task.id,
        "title": task.title,
        "status": task.status,
        "priority": task.priority,
        "due_date": task.due_date,
        "description": task.description,
        "account": account_ref(state, task),
        "opportunity": None,
        "case": None,
        "lead": None,
        "created_by": user_ref(task.created_by),
        "created_at": instant(task.created_at, task.org.zone),
        "contacts": [contact(state.contacts[c]) for c in task.contacts if c in state.contacts],
        "teams": [team(state, state.teams[t]) for t in task.teams if t in state.teams],
        "assigned_to": assignees(state, task),
        "tags": [],
        "custom_fields": {},
    }


def card(state: State, task: Task, is_overdue: bool) -> dict:
    """A kanban card [099, 101]."""
    return {
        "id": task.id,
        "title": task.title,
        "status": task.status,
        "priority": task.priority,
        "due_date": task.due_date,
        "is_overdue": is_overdue,
        "stage": None,
        "kanban_order": f"{task.kanban_order:.6f}",
        "assigned_to": assignees(state, task),
        "related_entity": {**ref, "type": "account"} if (ref := account_ref(state, task)) else None,
        "created_at": instant(task.created_at, task.org.zone),
    }
