"""A stand-in Django-CRM (BottleCRM) site: the Tasks API as the recordings of a real site show
it (contract/djangocrm/), for tests, demos and the replay harness (``standin.djangocrm.replay``).
Users, orgs, tokens and tasks in memory, served by a threaded HTTP server on loopback.

``DjangoCrmSite(users=..., admins=...)`` starts with one org holding those users, as a
portal test wants; ``DjangoCrmSite(users=[])`` is the empty site the recordings start from.
The control methods stand for what a person reads outside HTTP: the emailed sign-in link and
code (``last_link``, ``last_code``), a token minted in ``manage.py shell`` (``mint_jwt``).
"""

from __future__ import annotations

import threading
from datetime import date

from standin.clock import SiteClock
from standin.djangocrm import auth
from standin.djangocrm.server import Handler
from standin.djangocrm.state import Profile, State, Task, new_id
from standin.server import _Server


class DjangoCrmSite:
    """``with DjangoCrmSite(...) as site``: serving at ``site.url`` until the block ends."""

    def __init__(self, *, users: list[str], admins: list[str] = (), time_zone: str = "UTC",
                 org_name: str = "Lab Org", clock: SiteClock | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:  # fmt: skip
        self.state = State(clock or SiteClock(time_zone))
        self.requests: list[dict] = []
        self._server: _Server | None = None
        self._address = (host, port)
        self.org_id: str | None = None
        if users:
            owner = next((e for e in users if e in admins), users[0])
            org = self.state.add_org(org_name, time_zone, self.state.user(owner))
            self.org_id = org.id
            self.state.profile_of(self.state.users[owner], org).role = (
                "ADMIN" if owner in admins else "USER")  # fmt: skip
            for email in users:
                if email != owner:
                    role = "ADMIN" if email in admins else "USER"
                    self.state.add_profile(self.state.user(email), org, role)

    # -- control (tests, demos and the harness call these directly) ---------------------------

    @property
    def users(self) -> dict[str, Profile]:
        """The first org's members by email (``.profile_id``, ``.user_id``, ``.role``)."""
        org = self.state.orgs.get(self.org_id or "")
        return {p.user.email: _Member(p) for p in self.state.members(org)} if org else {}

    @property
    def today(self) -> date | None:
        return self.state.today_override

    @today.setter
    def today(self, value: date | None) -> None:
        self.state.today_override = value

    @property
    def tasks(self) -> dict[str, dict]:
        with self.state.lock:
            return {t.id: {"id": t.id, "title": t.title, "status": t.status,
                           "priority": t.priority, "due_date": t.due_date,
                           "description": t.description, "assigned_to": list(t.assigned),
                           "created_by": t.created_by.email,
                           "created_at": t.created_at.isoformat()}
                    for t in self.state.tasks.values()}  # fmt: skip

    def token_for(self, email: str, *, scopes=("tasks:read", "tasks:write"),
                  token: str | None = None) -> str:  # fmt: skip
        """A personal access token of ``email`` (``token``: this value, for demos)."""
        with self.state.lock:
            profile = self.state.profile_of(self.state.users[email], self.state.orgs[self.org_id])
            return auth.new_pat(self.state, profile, "test", list(scopes), token=token).token

    def insert(self, *, title: str, status: str = "New", priority: str = "Medium",
               due: date | None = None, assignees=(), created_by: str | None = None,
               description: str | None = None) -> str:  # fmt: skip
        with self.state.lock:
            org = self.state.orgs[self.org_id]
            members = self.users
            creator = (
                self.state.users[created_by] if created_by else self.state.members(org)[0].user
            )
            task = Task(new_id(), org, title, status, priority, due.isoformat() if due else None,
                        description, creator, self.state.now(),
                        assigned=[members[e].profile_id for e in assignees])  # fmt: skip
            self.state.tasks[task.id] = task
            return task.id

    def last_link(self, email: str) -> str | None:
        """The sign-in link token the site "emailed" to ``email`` [005]."""
        with self.state.lock:
            return next((t for t, e in self.state.magic_links.items() if e == email), None)

    def last_code(self, email: str) -> str | None:
        """The 6-digit sign-in code the site "emailed" to ``email`` [020]."""
        with self.state.lock:
            return self.state.codes.get(email)

    def mint_jwt(self, claims: dict) -> str:
        """A token signed with the site's key, as ``manage.py shell`` can make one [134]."""
        return auth.sign(self.state, claims)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> DjangoCrmSite:
        self._server = _Server(self._address, Handler)
        self._server.site = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class _Member:
    """What tests read of a member: ``profile_id``, ``user_id``, ``role``, ``email``."""

    def __init__(self, profile: Profile) -> None:
        self.profile_id = profile.id
        self.user_id = profile.user.id
        self.role = profile.role
        self.email = profile.user.email
