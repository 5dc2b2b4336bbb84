"""A stand-in EspoCRM 9.1 site: the ``/api/v1`` Task API, users, roles, teams and webhooks as
the recordings of a real site show them (contract/espocrm/), for tests, demos and the replay
harness (``standin.espocrm.replay``). State in memory, served by a threaded HTTP server.

Webhooks are sent by a cron job on EspoCRM: ``site.send_webhooks()`` runs it now.
"""

from __future__ import annotations

import copy
import threading

from standin.clock import SiteClock
from standin.espocrm import server, tasks, webhooks
from standin.espocrm.server import Handler
from standin.espocrm.state import ADMIN_ID, Role, State
from standin.server import _Server


class EspoCrmSite:
    """``with EspoCrmSite() as site``: serving at ``site.url`` until the block ends."""

    def __init__(
        self,
        *,
        time_zone: str = "UTC",
        clock: SiteClock | None = None,
        admin_password: str = "admin",  # noqa: S107 - the lab default
        installed_at: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.state = State(clock or SiteClock(time_zone))
        self.state.users[ADMIN_ID].password = admin_password
        if installed_at:  # when the site was installed: the admin's createdAt
            self.state.users[ADMIN_ID].created_at = installed_at
            self.state.users[ADMIN_ID].modified_at = installed_at
        self.requests: list[dict] = []
        self._server: _Server | None = None
        self._address = (host, port)

    # -- control ----------------------------------------------------------------------------

    @property
    def clock(self) -> SiteClock:
        return self.state.clock

    def add_api_user(
        self,
        user_name: str,
        *,
        hmac: bool = False,
        task_access: str = "all",
        webhooks_allowed: bool = True,
        roles: bool = True,
    ) -> str:
        """An API user with a role granting Task access (``task_access``: all/own); its id."""
        with self.state.lock:
            role_ids = []
            if roles:
                data = {
                    "Task": {
                        "create": "yes",
                        "read": task_access,
                        "edit": task_access,
                        "delete": task_access,
                        "stream": task_access,
                    },
                    "User": {"read": "all"},
                }
                if webhooks_allowed:
                    data["Webhook"] = True
                role = Role(
                    self.state.new_id(),
                    f"{user_name} role",
                    data,
                    {},
                    "all",
                    "all",
                    created_at=self.state.stamp(),
                )
                self.state.roles[role.id] = role
                role_ids.append(role.id)
            user = server.create_user(
                self.state,
                {
                    "userName": user_name,
                    "type": "api",
                    "authMethod": "Hmac" if hmac else "ApiKey",
                    "rolesIds": role_ids,
                },
            )
            return user.id

    def add_user(
        self,
        user_name: str,
        password: str,
        *,
        first_name=None,
        last_name=None,
        task_access: str = "own",
    ) -> str:
        with self.state.lock:
            role = Role(
                self.state.new_id(),
                f"{user_name} role",
                {
                    "Task": {
                        "create": "yes",
                        "read": task_access,
                        "edit": task_access,
                        "delete": task_access,
                        "stream": task_access,
                    }
                },
                {},
                "all",
                "all",
                created_at=self.state.stamp(),
            )
            self.state.roles[role.id] = role
            user = server.create_user(
                self.state,
                {
                    "userName": user_name,
                    "password": password,
                    "firstName": first_name,
                    "lastName": last_name or user_name,
                    "type": "regular",
                    "rolesIds": [role.id],
                },
            )
            return user.id

    def api_key_for(self, user_name: str) -> tuple[str, str | None]:
        """(apiKey, secretKey or None) of an API user."""
        with self.state.lock:
            user = self.state.user_by_name(user_name)
            return user.api_key, user.secret_key

    def user_id(self, user_name: str) -> str:
        return self.state.user_by_name(user_name).id

    def insert(
        self,
        *,
        name: str,
        assigned_user: str,
        status: str = "Not Started",
        priority: str = "Normal",
        date_end: str | None = None,
        date_end_date: str | None = None,
        description: str | None = None,
        as_user: str = "admin",
        webhooks_fire: bool = False,
    ) -> str:
        """A task as ``as_user`` would create it through the API (validated); its id."""
        data = {
            "name": name,
            "assignedUserId": self.user_id(assigned_user),
            "status": status,
            "priority": priority,
            "description": description,
        }
        if date_end:
            data["dateEnd"] = date_end
        if date_end_date:
            data["dateEndDate"] = date_end_date
        with self.state.lock:
            task, _ = tasks.create(self.state, self.state.user_by_name(as_user), data)
            if webhooks_fire:
                webhooks.queue(self.state, "create", task)
            return task["id"]

    @property
    def tasks(self) -> dict[str, dict]:
        with self.state.lock:
            return {
                i: {k: copy.deepcopy(v) for k, v in t.items() if not k.startswith("_")}
                for i, t in self.state.tasks.items()
            }

    @property
    def webhooks(self) -> dict[str, dict]:
        with self.state.lock:
            return copy.deepcopy(self.state.webhooks)

    @property
    def deliveries(self) -> list[dict]:
        with self.state.lock:
            return copy.deepcopy(self.state.deliveries)

    def send_webhooks(self) -> list[dict]:
        """Run the webhook job now: one batch (up to 50 events) per webhook."""
        return webhooks.send(self.state)

    def retry_now(self) -> int:
        """Make events waiting for their retry delay (10 minutes after a failed attempt) due
        now, as resetting the queue items' ``processAt`` would; how many were waiting."""
        return webhooks.retry_now(self.state)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> EspoCrmSite:
        self._server = _Server(self._address, Handler)
        self._server.site = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
