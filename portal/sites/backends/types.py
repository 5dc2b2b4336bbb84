"""The portal's own words for what a site holds: a task, its assignees, a page of tasks, a site's
vocabulary and what the doctor found. Every backend returns these; nothing above a backend reads
a site's JSON again.

Strings come from a site the portal does not control: they are bounded by the backend and must
still be escaped when rendered (a compact task's title can hold raw HTML from the description).
Task ids are strings: each CRM has its own (Frappe's are numbers, Django-CRM's UUIDs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

PortalStatus = Literal["open", "in_progress", "done", "cancelled"]
Bucket = Literal["overdue", "late", "today", "upcoming"]

MAX_TITLE = 300
MAX_DESCRIPTION = 10_000
MAX_SHORT = 200
MAX_EXTRA_KEYS = 40


@dataclass(frozen=True)
class Assignee:
    """``user_id`` identifies a site user as the site names them (what "assigned to me" matches
    against the connection's user); it is None when the site only gave an email (some Frappe
    answers). A user id is not always an email (Frappe's ``Administrator``)."""

    user_id: str | None
    email: str | None = None
    full_name: str | None = None

    def is_user(self, user_id: str) -> bool:
        if self.user_id is not None:
            return self.user_id == user_id
        # No user id given: fall back to the email, which is the id of users created by email
        # (on Frappe every user but Administrator and Guest).
        return bool(self.email) and self.email.lower() == user_id.lower()


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    description: str | None
    status: str  # the site's own value, e.g. "Todo", "late", "Completed"
    portal_status: PortalStatus
    priority: str | None
    task_type: str | None
    start_date: datetime | None  # aware, in the site's zone
    due_date: datetime | None  # aware, in the site's zone
    assignees: tuple[Assignee, ...]
    modified: datetime | None  # aware; None only when a site omits it
    creation: datetime | None
    owner: str | None
    time_zone: str  # the site's zone, the one "today" is judged in
    site: str | None = None
    # The site itself marks the task overdue (Frappe's ``late`` status), whatever its due date.
    site_says_overdue: bool = False
    # The site keeps a plain due date and no start (Django-CRM): ``due_date`` is then 00:00 of
    # the day after the due day on the site's calendar (overdue once that day is over), and the
    # due day is the task's day for "today" and "upcoming".
    due_is_day: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_open(self) -> bool:
        return self.portal_status in ("open", "in_progress")

    def is_assigned_to(self, user_id: str) -> bool:
        return any(a.is_user(user_id) for a in self.assignees)


@dataclass(frozen=True)
class Page:
    tasks: tuple[Task, ...]
    total: int | None  # None when the site does not say (documented and plain flavours)
    has_next: bool
    page: int


@dataclass(frozen=True)
class Vocabulary:
    statuses: tuple[str, ...]
    priorities: tuple[str, ...]
    task_types: tuple[str, ...]


@dataclass(frozen=True)
class Capabilities:
    base_url: str
    reachable: bool = False
    oauth: dict[str, str] | None = None  # discovered endpoints, when the site publishes them
    flavour: str | None = None  # the backend's own variant of its CRM (Frappe: deployed...)
    vocabulary: Vocabulary | None = None
    user_id: str | None = None
    credential_valid: bool | None = None
    can_read_list: bool | None = None  # the generic list needs a CRM role [078]
    can_write: bool | None = None  # None: could not be told without writing
    time_zone: str | None = None  # None: unreadable for this credential [205]; ask the admin
    # UTC offsets the site's times carry that the entered zone never had then ("UTC−08:00").
    contradicting_offsets: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()  # plain-words problems for the connection doctor
