"""What an EspoCRM site holds: users, roles, teams, accounts, tasks, webhooks and the
webhook queue, with EspoCRM's 17-hex ids and PHP's ``json_encode`` output."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field

from standin.clock import SiteClock

STATUSES = ["Not Started", "Started", "Completed", "Canceled", "Deferred"]
PRIORITIES = ["Low", "Normal", "High", "Urgent"]
NOT_ACTUAL = ["Completed", "Canceled", "Deferred"]
ADMIN_ID = "6b0fc4f035626de7c"


def php_json(value) -> bytes:
    """``json_encode`` with PHP's defaults: ASCII with ``\\uXXXX`` escapes and ``\\/``."""
    return json.dumps(value, separators=(",", ":")).replace("/", "\\/").encode()


@dataclass
class User:
    id: str
    user_name: str
    type: str  # admin, regular, api
    first_name: str | None = None
    last_name: str | None = None
    password: str | None = None
    auth_method: str | None = None  # ApiKey, Hmac (api users)
    api_key: str | None = None
    secret_key: str | None = None
    roles: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    default_team: str | None = None
    email: str | None = None
    is_active: bool = True
    created_at: str = ""
    modified_at: str = ""
    created_by: str = ADMIN_ID
    last_access: str | None = None
    time_zone: str = ""

    @property
    def name(self) -> str:
        if self.type == "api" or not (self.first_name or self.last_name):
            return self.last_name or self.user_name
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass
class Role:
    id: str
    name: str
    data: dict
    field_data: dict
    assignment: str = "not-set"
    user_permission: str = "not-set"
    mass_update: str = "not-set"
    created_at: str = ""


class State:
    def __init__(self, clock: SiteClock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self._last_id = 0
        self.users: dict[str, User] = {}
        self.roles: dict[str, Role] = {}
        self.teams: dict[str, dict] = {}
        self.accounts: dict[str, dict] = {}
        self.tasks: dict[str, dict] = {}
        self.webhooks: dict[str, dict] = {}
        self.queue: list[dict] = []  # pending deliveries, one per (webhook, event)
        self.tokens: dict[str, dict] = {}  # auth token -> {"user", "secret"}
        self.deliveries: list[dict] = []  # what send_webhooks sent
        self.seq = 0
        now = self.stamp()
        self.users[ADMIN_ID] = User(
            ADMIN_ID,
            "admin",
            "admin",
            last_name="Admin",
            password="admin",  # noqa: S106 - replaced by the site
            created_at=now,
            modified_at=now,
            created_by="system",
        )

    def new_id(self) -> str:
        """uniqid()-like: 13 hex digits of microseconds, then 4 random; always increasing."""
        micro = int(self.clock.now_utc().timestamp() * 1_000_000)
        micro = max(micro, self._last_id + 1)
        self._last_id = micro
        return f"{micro:013x}"[-13:] + secrets.token_hex(2)

    def stamp(self) -> str:
        return self.clock.now_utc().strftime("%Y-%m-%d %H:%M:%S")

    def user_by_name(self, user_name: str) -> User | None:
        return next((u for u in self.users.values() if u.user_name == user_name), None)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq
