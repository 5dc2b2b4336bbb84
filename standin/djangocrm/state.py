"""What a Django-CRM site holds: users, organisations and their memberships (profiles),
tokens, and the CRM records the Tasks API touches. In memory, one lock for the whole site."""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from standin.clock import SiteClock

STATUSES = ("New", "In Progress", "Completed")
PRIORITIES = ("Low", "Medium", "High")


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class User:
    id: str
    email: str
    created_at: datetime
    last_login: datetime | None = None

    @property
    def name(self) -> str:
        return self.email.split("@")[0]  # the username the site derives from the email [054]


@dataclass
class Org:
    id: str
    name: str
    time_zone: str
    created_at: datetime
    api_key: str = field(default_factory=new_id)  # a UUID [028]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass
class Profile:
    """A user's membership of one org: what `assigned_to` and `users[].id` name [035, 063]."""

    id: str
    user: User
    org: Org
    role: str  # ADMIN or USER
    created_at: datetime
    date_of_joining: date | None = None  # set for invited members only [054]

    @property
    def is_admin(self) -> bool:
        return self.role == "ADMIN"


@dataclass
class Pat:
    id: str
    token: str
    name: str
    scopes: list[str]
    profile: Profile
    created_at: datetime


@dataclass
class Account:
    id: str
    org: Org
    name: str
    created_by: User
    created_at: datetime


@dataclass
class Contact:
    id: str
    org: Org
    first_name: str
    last_name: str
    email: str | None
    created_by: User
    created_at: datetime


@dataclass
class Team:
    id: str
    org: Org
    name: str
    description: str
    members: list[str]  # profile ids
    created_by: User
    created_at: datetime


@dataclass
class Task:
    id: str
    org: Org
    title: str
    status: str
    priority: str
    due_date: str | None
    description: str | None
    created_by: User
    created_at: datetime
    account: str | None = None
    contacts: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    assigned: list[str] = field(default_factory=list)  # profile ids
    kanban_order: float = 0.0


@dataclass
class Comment:
    id: str
    task: Task
    text: str
    by: Profile
    at: datetime


@dataclass
class Attachment:
    id: str
    task: Task
    file_name: str
    by: User
    at: datetime


@dataclass
class Activity:
    id: str
    org: Org
    user: User
    action: str  # CREATE, UPDATE, DELETE
    task_id: str
    task_title: str
    at: datetime


class State:
    """Everything the site knows; the handlers take `lock` around each request."""

    def __init__(self, clock: SiteClock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.secret = secrets.token_hex(32)  # the HS256 key of the site's JWTs
        self.users: dict[str, User] = {}  # by email
        self.orgs: dict[str, Org] = {}
        self.profiles: dict[str, Profile] = {}
        self.pats: dict[str, Pat] = {}  # by token
        self.accounts: dict[str, Account] = {}
        self.contacts: dict[str, Contact] = {}
        self.teams: dict[str, Team] = {}
        self.tasks: dict[str, Task] = {}
        self.comments: dict[str, Comment] = {}
        self.attachments: dict[str, Attachment] = {}
        self.activities: list[Activity] = []
        self.magic_links: dict[str, str] = {}  # unused link token -> email
        self.codes: dict[str, str] = {}  # email -> unused 6-digit code
        self.blacklist: set[str] = set()  # jti of used or signed-out refresh tokens
        self.today_override: date | None = None  # tests pin "today" without moving the clock

    def now(self) -> datetime:
        return self.clock.now_utc()

    def user(self, email: str) -> User:
        if email not in self.users:
            self.users[email] = User(new_id(), email, self.now())
        return self.users[email]

    def add_org(self, name: str, time_zone: str, creator: User) -> Org:
        org = Org(new_id(), name, time_zone, self.now())
        self.orgs[org.id] = org
        self.add_profile(creator, org, "ADMIN")
        return org

    def add_profile(self, user: User, org: Org, role: str, joined: date | None = None) -> Profile:
        profile = Profile(new_id(), user, org, role, self.now(), joined)
        self.profiles[profile.id] = profile
        return profile

    def profile_of(self, user: User, org: Org) -> Profile | None:
        for p in self.profiles.values():
            if p.user is user and p.org is org:
                return p
        return None

    def members(self, org: Org) -> list[Profile]:
        return [p for p in self.profiles.values() if p.org is org]

    def orgs_of(self, user: User) -> list[Profile]:
        return [p for p in self.profiles.values() if p.user is user]

    def today(self, org: Org) -> date:
        """The org's local date: what overdue, due today and this week count from [141]."""
        return self.today_override or self.now().astimezone(org.zone).date()

    def log(self, org: Org, user: User, action: str, task: Task) -> None:
        self.activities.append(
            Activity(new_id(), org, user, action, task.id, task.title, self.now())
        )
