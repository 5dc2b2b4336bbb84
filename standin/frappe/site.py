"""One stand-in site: its configuration, state and the services around it."""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta

from standin.clock import SiteClock
from standin.frappe import seed
from standin.frappe.config import SiteConfig
from standin.frappe.cost import CostModel, check
from standin.frappe.flavours import FLAVOURS
from standin.frappe.latejob import LateSwitch
from standin.frappe.store import TaskStore
from standin.frappe.tasks import TaskService
from standin.frappe.users import ADMIN, UserStore, make_user
from standin.reqlog import RequestLog

FMT_US = "%Y-%m-%d %H:%M:%S.%f"


class Site:
    def __init__(self, config: SiteConfig) -> None:
        from standin.faults import Faults
        from standin.frappe import faults
        from standin.frappe.oauth import OAuthProvider
        from standin.frappe.webhooks import WebhookDispatcher

        self.config = config
        self.name = config.name
        self.flavour = FLAVOURS[config.flavour]
        self.store = TaskStore()
        self.tasks = TaskService(self)
        self.clock = SiteClock(config.time_zone, **config.clock)
        self.log = RequestLog(config.log_limit)
        self.users = UserStore()
        self.oauth = OAuthProvider(self)
        self.webhooks = WebhookDispatcher(self)
        self.faults = Faults(self, faults)
        self.cost = CostModel(self)
        self.late_switch = LateSwitch(self)
        self.url: str | None = None
        self._lock = threading.Lock()
        self._next_id = config.first_task_id
        self._last_ts: datetime | None = None
        self.started_at = self.clock.now_local().strftime(FMT_US)
        self.methods: dict = {}
        self.reset()

    # -- state ------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the configured state: clock, users, seed tasks, clients, hooks."""
        from standin.frappe.routes import method_table

        cfg = self.config
        self.clock = SiteClock(cfg.time_zone, **cfg.clock)
        self._last_ts = None
        self.site_config = {"host_name": cfg.host_name, "domains": list(cfg.domains or [])}
        digest = hashlib.sha256(self.name.encode()).hexdigest()
        self.mobile_client = {
            "client_id": f"mob{digest[:7]}",
            "scope": "all openid",
            "redirect_uri": "app.trust://oauth2redirect",
            **(cfg.mobile_oauth_client or {}),
        }
        now = self.timestamp()
        self.users = UserStore()
        self.users.add(
            make_user(
                {
                    "name": ADMIN,
                    "email": "admin@example.com",
                    "first_name": ADMIN,
                    "full_name": ADMIN,
                    "password": cfg.admin_password,
                },
                now,
            )
        )
        for data in cfg.users:
            self.users.upsert(data, now)
        self.store.clear()
        with self._lock:
            self._next_id = cfg.first_task_id
        self.seed(cfg.seed_size, cfg.seed)
        self.oauth.reset(cfg.oauth_clients)
        self.webhooks.reset(cfg.webhooks, cfg.webhook_retry_delays)
        self.faults.set(cfg.faults)
        self.cost.configure(**check(cfg.cost_model))
        self.late_switch.configure(**cfg.late_switch)
        self.log.clear()
        self.methods = method_table(self)

    def seed(self, size: int, seed_value: int = 1) -> list[int]:
        if size <= 0:
            return []
        writers = [u.name for u in self.users.users.values() if u.can_write_tasks()]
        people = [u.name for u in self.users.users.values() if not u.is_admin] or writers
        with self._lock:
            first = self._next_id
            self._next_id += size
        rows = seed.generate(
            size=size,
            seed=seed_value,
            first_id=first,
            now=self.clock.now_local(),
            flavour=self.flavour,
            task_types=tuple(self.config.task_types),
            owners=writers,
            assignees=people,
        )
        self.store.insert_many(rows)
        return [first, first + size - 1]

    @property
    def db_name(self) -> str:
        """The database name a MariaDB error would show [023]."""
        return "_" + hashlib.sha256(self.name.encode()).hexdigest()[:16]

    def next_id(self) -> int:
        with self._lock:
            value = self._next_id
            self._next_id += 1
            return value

    def set_next_id(self, value: int) -> None:
        with self._lock:
            self._next_id = max(int(value), 1)

    def peek_next_id(self) -> int:
        with self._lock:
            return self._next_id

    # -- time -------------------------------------------------------------------
    def timestamp(self) -> str:
        """Now in the site's zone, strictly after the previous timestamp (a frozen
        clock must not give two writes the same `modified`)."""
        with self._lock:
            now = self.clock.now_local()
            last = self._last_ts
            if last is not None and now <= last and last - now < timedelta(seconds=1):
                now = last + timedelta(microseconds=1)
            self._last_ts = now
            return now.strftime(FMT_US)

    def now_text(self) -> str:
        return self.clock.now_local().strftime(FMT_US)

    def today(self) -> str:
        """The default start date: today in the site's zone, as a date [009, 242]."""
        return self.clock.now_local().strftime("%Y-%m-%d")

    def set_time_zone(self, time_zone: str) -> None:
        """Changing the zone changes no stored value [241]."""
        self.clock.set_zone(time_zone)

    # -- behaviour --------------------------------------------------------------
    def select_options(self) -> dict:
        return self.flavour.select_options(tuple(self.config.task_types))

    def fire(self, event: str, row: dict) -> None:
        self.webhooks.fire(event, row)

    @property
    def host_name(self) -> str:
        """site_config host_name; the site's own URL when unset [114, 211]."""
        return self.site_config.get("host_name") or self.url or "http://127.0.0.1"

    def close(self) -> None:
        self.late_switch.stop()
        self.webhooks.stop()
        self.faults.stopping.set()  # release requests hanging in a `timeout` fault
        self.cost.stopping.set()  # and answers held back by the cost model
