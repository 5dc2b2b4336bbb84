"""Users, roles, cookie sessions and API keys of one site.

Roles decide writes, not reads: mobile_api reads ignore permissions [071-073],
while CRM Task writes and `/api/resource` reads need Sales User or Sales Manager
(the only roles in the doctype's permissions [200]); Administrator bypasses all.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass, field

TASK_ROLES = ("Sales User", "Sales Manager")
ADMIN = "Administrator"


@dataclass
class User:
    name: str
    email: str
    first_name: str
    last_name: str | None
    full_name: str
    password: str | None
    roles: list[str] = field(default_factory=list)
    api_key: str | None = None
    api_secret: str | None = None
    enabled: bool = True
    creation: str = ""
    modified: str = ""
    last_login: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.name == ADMIN

    @property
    def system_user(self) -> bool:
        # A user with no roles is a Website User: "No App", home /me [057, 070].
        return self.is_admin or bool(self.roles)

    @property
    def social_userid(self) -> str:
        """The OpenID `sub` (User Social Login userid): 39 hex characters [130]."""
        return hashlib.sha256(self.name.encode()).hexdigest()[:39]

    def all_roles(self) -> list[str]:
        """frappe.get_roles: own roles, then the automatic ones [061, 084, 100]."""
        if self.is_admin:
            own = [ADMIN, "System Manager", "Sales Manager", "Sales User"]
        else:
            own = list(self.roles)
        extra = ["All", "Guest"] + (["Desk User"] if self.system_user else [])
        return own + [r for r in extra if r not in own]

    def can_write_tasks(self) -> bool:
        return self.is_admin or any(r in self.roles for r in TASK_ROLES)

    def assignee(self) -> dict:
        """An assignee as mobile_api shows it [012, 235]."""
        return {"email": self.email, "name": self.full_name, "profile_pic": None}


def make_user(data: dict, now: str) -> User:
    name = data["name"]
    first = data.get("first_name") or name.split("@")[0]
    last = data.get("last_name")
    full = data.get("full_name") or " ".join(p for p in (first, last) if p)
    return User(
        name=name,
        email=data.get("email") or name,
        first_name=first,
        last_name=last,
        full_name=full,
        password=data.get("password"),
        roles=list(data.get("roles", [])),
        api_key=data.get("api_key"),
        api_secret=data.get("api_secret"),
        enabled=bool(data.get("enabled", True)),
        creation=now,
        modified=now,
    )


class UserStore:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.sessions: dict[str, str] = {}  # sid -> user name

    def add(self, user: User) -> User:
        with self._lock:
            self.users[user.name] = user
            return user

    def upsert(self, data: dict, now: str) -> User:
        """Create a user or update the given fields of an existing one."""
        with self._lock:
            existing = self.users.get(data["name"])
            if existing is None:
                return self.add(make_user(data, now))
            for key in (
                "email",
                "first_name",
                "last_name",
                "full_name",
                "password",
                "api_key",
                "api_secret",
            ):
                if key in data:
                    setattr(existing, key, data[key])
            if "roles" in data:
                existing.roles = list(data["roles"])
            if "enabled" in data:
                existing.enabled = bool(data["enabled"])
            existing.modified = now
            return existing

    def get(self, name: str | None) -> User | None:
        return self.users.get(name) if name else None

    def find_login(self, usr: str) -> User | None:
        """Login names are user ids or emails, compared case-insensitively [174]."""
        wanted = (usr or "").strip().lower()
        with self._lock:
            for user in self.users.values():
                if wanted in (user.name.lower(), user.email.lower()):
                    return user
        return None

    def authenticate(self, usr: str, pwd: str) -> User | None:
        user = self.find_login(usr)
        if user and user.enabled and user.password is not None and user.password == pwd:
            return user
        return None

    def start_session(self, user: User, now: str) -> str:
        sid = secrets.token_hex(28)
        with self._lock:
            self.sessions[sid] = user.name
            user.last_login = now
        return sid

    def session_user(self, sid: str | None) -> User | None:
        with self._lock:
            return self.get(self.sessions.get(sid or ""))

    def end_session(self, sid: str | None) -> None:
        with self._lock:
            self.sessions.pop(sid or "", None)

    def generate_keys(self, user: User) -> str:
        """A new secret kills the old one [187-189]; the key is kept once issued."""
        with self._lock:
            if not user.api_key:
                user.api_key = secrets.token_hex(8)[:15]
            user.api_secret = secrets.token_hex(8)[:15]
            return user.api_secret

    def by_api_key(self, key: str, secret: str) -> User | None:
        with self._lock:
            for user in self.users.values():
                if user.api_key and user.api_key == key:
                    ok = user.api_secret is not None and secrets.compare_digest(
                        user.api_secret, secret
                    )
                    return user if ok and user.enabled else None
        return None


def user_document(user: User, time_zone: str) -> dict:
    """`GET /api/resource/User/<name>` with the recorded keys and value types [179]."""
    doc: dict = {
        "name": user.name,
        "owner": ADMIN,
        "creation": user.creation,
        "modified": user.modified,
        "modified_by": ADMIN,
        "docstatus": 0,
        "idx": 0,
        "enabled": int(user.enabled),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "full_name": user.full_name,
        "username": user.first_name.lower(),
        "time_zone": time_zone,
        "send_welcome_email": 0,
        "unsubscribed": 0,
        "mute_sounds": 0,
        "desk_theme": "Light",
        "search_bar": 1,
        "notifications": 1,
        "list_sidebar": 1,
        "bulk_actions": 1,
        "view_switcher": 1,
        "form_sidebar": 1,
        "timeline": 1,
        "dashboard": 1,
        "new_password": "",
        "logout_all_sessions": 1,
        "document_follow_notify": 0,
        "document_follow_frequency": "Daily",
        "follow_created_documents": 0,
        "follow_commented_documents": 0,
        "follow_liked_documents": 0,
        "follow_assigned_documents": 0,
        "follow_shared_documents": 0,
        "thread_notify": 1,
        "send_me_a_copy": 0,
        "allowed_in_mentions": 1,
        "simultaneous_sessions": 2,
    }
    if user.last_login:
        doc["last_ip"] = "127.0.0.1"
    doc["login_after"] = 0
    doc["user_type"] = "System User" if user.system_user else "Website User"
    if user.last_login:
        doc["last_active"] = user.last_login
    doc["login_before"] = 0
    doc["bypass_restrict_ip_check_if_2fa_enabled"] = 0
    if user.last_login:
        doc["last_login"] = user.last_login
    if user.api_key:
        doc["api_key"] = user.api_key
        doc["api_secret"] = "*" * 15
    doc["onboarding_status"] = "{}"
    doc["doctype"] = "User"
    doc["block_modules"] = []
    doc["defaults"] = []
    child = {
        "owner": ADMIN,
        "creation": user.creation,
        "modified": user.modified,
        "modified_by": ADMIN,
        "docstatus": 0,
        "parent": user.name,
        "parenttype": "User",
    }
    doc["social_logins"] = [
        {
            "name": f"sl-{user.social_userid[:6]}",
            **child,
            "idx": 1,
            "provider": "frappe",
            "userid": user.social_userid,
            "parentfield": "social_logins",
            "doctype": "User Social Login",
        }
    ]
    doc["roles"] = [
        {
            "name": f"hr-{i}-{user.social_userid[:4]}",
            **child,
            "idx": i,
            "role": role,
            "parentfield": "roles",
            "doctype": "Has Role",
        }
        for i, role in enumerate(user.roles, start=1)
    ]
    doc["user_emails"] = []
    return doc
