"""Django-CRM (BottleCRM) behind the portal's one interface.

A site is a base URL plus one organisation (the organisation is inside every token). Tasks
have a plain due date and no start: the portal puts each on its due day
(``portal.sites.buckets``), so "late" holds none of them and "today" is due today. There is no
cancelled status and no task type, and no webhooks: changes are seen by polling.

Pages read a site whole (all open tasks, a page of 100 per request) and bucket it in the portal:
exact at any size, at a cost that grows with the site (no count per bucket is cheap here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from portal.sites.buckets import due_soon

from ..base import (
    Features,
    OverdueRead,
    SiteSettings,
    TaskBackend,
    TaskChanges,
    TaskQuery,
    Unapplied,
)
from ..errors import InputRefused, ReconnectNeeded, SiteError
from ..types import Capabilities, Task, Vocabulary
from ..whole_site import WholeSiteReads, bucket_of
from . import auth
from .client import FINISHED, DjangoCrmClient, vocabulary_of, zone_contradictions

RunAll = Callable[[list[Callable[[], Any]]], list[Any]]


def _sequential(calls):
    return [call() for call in calls]


class DjangoCrmBackend(WholeSiteReads, TaskBackend):
    kind = "djangocrm"
    label = "Django-CRM"
    features = Features(
        start_dates=False,
        cancelled=False,
        task_types=False,
        webhooks=False,
        multiple_assignees=True,
        token_sign_in=True,
        code_sign_in=True,
        plain_due_dates=True,
        tells_time_zone=False,
        # Django-CRM's Task.title is a CharField(max_length=200).
        title_max_length=200,
    )
    small_site_rows = 1_000_000  # always read whole (see the module's docstring)

    def __init__(self, client: DjangoCrmClient, *, settings: SiteSettings, run_all=None) -> None:
        self.client = client
        self.settings = settings
        self.zone = client.zone
        self.run_all = run_all or _sequential

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def open(cls, site: SiteSettings, credential, *, http, clock, run_all=None):
        client = DjangoCrmClient(
            site.base_url, credential, time_zone=site.time_zone or "UTC", http=http,
            site_label=site.name, clock=clock,
        )  # fmt: skip
        return cls(client, settings=site, run_all=run_all)

    @staticmethod
    def service_credential(kind: str, values: dict[str, str]) -> auth.PatAuth:
        if kind != "token":
            raise LookupError(f"A Django-CRM site takes a personal access token, not {kind!r}.")
        return auth.PatAuth(values["api_secret"])

    @staticmethod
    def person_credential(*, store, site: SiteSettings, http):
        token = store.load() or {}
        if token.get("kind") == "pat":
            return auth.PatAuth(token.get("access_token", ""))
        return auth.JwtBearer(store=store, base_url=site.base_url, http=http, site=site.name)

    @classmethod
    def task_link(cls, site: SiteSettings, task_id: str) -> str:
        return f"{site.base_url.rstrip('/')}/tasks/{task_id}"

    # -- connecting ----------------------------------------------------------------------------

    @classmethod
    def token_connect(cls, site: SiteSettings, *, token: str, http) -> tuple[dict, str]:
        client = DjangoCrmClient(site.base_url, auth.PatAuth(token), time_zone=site.time_zone,
                                 http=http, site_label=site.name)  # fmt: skip
        client.page(limit=1)  # the token reads this organisation's tasks, or the site says why
        return {"kind": "pat", "access_token": token}, _user_of(client)

    @classmethod
    def code_request(cls, site: SiteSettings, *, email: str, http) -> None:
        auth.code_request(http, site.base_url, email=email, site=site.name)

    @classmethod
    def code_connect(cls, site: SiteSettings, *, email: str, code: str, http) -> tuple[dict, str]:
        organisation = str(site.options.get("organisation") or "")
        token = auth.code_verify(http, site.base_url, email=email, code=code,
                                 organisation=organisation, site=site.name)  # fmt: skip
        bearer = auth.PatAuth(token["access_token"])
        client = DjangoCrmClient(site.base_url, bearer, time_zone=site.time_zone, http=http,
                                 site_label=site.name)  # fmt: skip
        return token, _user_of(client)

    # -- the site ----------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.client.now()

    def vocabulary(self) -> Vocabulary:
        if self.settings.vocabulary is not None:
            return self.settings.vocabulary
        return self.client.vocabulary()

    def finished_statuses(self) -> tuple[str, ...]:
        return FINISHED

    def logged_user(self) -> str:
        return _user_of(self.client)

    def people_from(self, other: Callable[[], TaskBackend | None]) -> None:
        def directory() -> dict[str, str]:
            try:
                found = other()
                if isinstance(found, DjangoCrmBackend):
                    return found.client.catalogue()
            except SiteError:
                pass  # then the person is told whom the site does not know
            return {}

        self.client.directory = directory

    def probe(self) -> Capabilities:
        found: dict[str, Any] = {"base_url": self.client.base_url}
        findings: list[str] = []

        try:
            sample = self.client.page(limit=10)
        except ReconnectNeeded as exc:
            found.update(reachable=True, credential_valid=False)
            findings.append(exc.message)
            return Capabilities(**found, findings=tuple(findings))
        except SiteError as exc:
            found.update(reachable=exc.status is not None, credential_valid=None)
            findings.append(exc.message)
            return Capabilities(**found, findings=tuple(findings))
        entered = self.settings.time_zone or None
        contradicted = zone_contradictions(sample, self.zone) if entered else set()
        found.update(
            reachable=True, credential_valid=True, can_read_list=True,
            vocabulary=vocabulary_of(sample), time_zone=entered,
            contradicting_offsets=tuple(sorted(map(_utc, contradicted))),
        )  # fmt: skip
        try:
            found["user_id"] = _user_of(self.client)
        except SiteError:
            found["user_id"] = None  # a personal access token may not read /auth/me
        return Capabilities(**found, findings=tuple(findings))

    # -- reads for pages -----------------------------------------------------------------------

    def _open(self) -> list[Task]:
        return self.client.tasks(status=[s for s in ("New", "In Progress")])

    def open_page(self, *, finished: Iterable[str]) -> tuple[list[Task], bool]:
        return self._open(), True

    def finished_today(self, *, now: datetime, finished: Iterable[str]) -> list[Task]:
        today = now.astimezone(self.zone).date().isoformat()
        return self.client.tasks(status=list(FINISHED), due_date__gte=today, due_date__lte=today)

    def search_all(self, query: TaskQuery) -> list[Task]:
        return [t for t in self.client.tasks(**self._filters(query)) if query.matches(t)]

    def _filters(self, query: TaskQuery) -> dict[str, Any]:
        """Only filters the site applies exactly as sent; the rest is ``query.matches``. Dates
        are due days here (the portal's date range is the task's day)."""
        known = set(self.vocabulary().statuses)
        filters: dict[str, Any] = {}
        statuses = [s for s in query.statuses if s in known]  # never an unknown one [059]
        if query.statuses and statuses:
            filters["status"] = statuses
        if query.priorities:
            filters["priority"] = [p for p in query.priorities]
        if query.title_contains:
            filters["title"] = query.title_contains
        if query.text_contains:
            # The site's search covers titles only [071] and its rows carry no description,
            # so a search on a Django-CRM site matches titles.
            filters["search"] = query.text_contains
        # Both ranges are due days here: the narrower bound of each side is sent.
        lows = [d for d in (query.date_from, query.due_from) if d]
        highs = [d for d in (query.date_to, query.due_to) if d]
        if lows:
            filters["due_date__gte"] = max(lows).isoformat()
        if highs:
            filters["due_date__lte"] = min(highs).isoformat()
        if query.assigned_to:
            try:
                filters["assigned_to"] = self.client.profile_ids([query.assigned_to])
            except InputRefused:
                return {"title": "\x00"}  # nobody of that name: a filter that matches none
        return filters

    def get(self, task_id: str) -> Task:
        return self.client.get(task_id)

    # -- reads for jobs ------------------------------------------------------------------------

    def overdue_and_late(
        self, *, now: datetime, cross_check: bool = False, due_within: timedelta | None = None
    ) -> OverdueRead:
        """Open tasks due before today on the organisation's calendar (late holds none here);
        with ``due_within`` the days due until then too (a due day ends at midnight)."""
        until = now + due_within if due_within else now
        last_day = (until.astimezone(self.zone).date() - timedelta(days=1)).isoformat()
        read = OverdueRead()
        for task in self.client.tasks(status=["New", "In Progress"], due_date__lte=last_day):
            if bucket_of(task, now, FINISHED) == "overdue":
                read.found[task.id] = (task, "overdue")
            elif due_soon(task, now, due_within):
                read.found[task.id] = (task, "soon")
        return read

    def open_tasks(self) -> list[Task]:
        return self._open()

    def finished_since(self, since: datetime) -> list[Task]:
        # The site does not say when a task was saved: every completed task, with no time
        # (report snapshots book one when they first see it).
        return [replace(t, modified=None) for t in self.client.tasks(status=list(FINISHED))]

    # -- writes ----------------------------------------------------------------------------------

    def _body(self, changes: TaskChanges) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name, value in changes.given().items():
            if name in ("title", "description", "status", "priority"):
                body[name] = value
            elif name == "due":
                body["due_date"] = value.date().isoformat() if value else None
            elif name == "assignees":
                body["assigned_to"] = self.client.profile_ids(list(value))
            elif name == "start" and value is not None:
                raise InputRefused("Django-CRM tasks have no start date.")
            elif name == "task_type" and value:
                raise InputRefused("Django-CRM tasks have no task type.")
        return body

    def create(self, changes: TaskChanges) -> Task:
        body = self._body(changes)
        body.setdefault("status", "New")
        body.setdefault("priority", "Medium")
        if not body.get("title"):
            raise InputRefused("A title is required.")
        return self.client.create(body)

    def edit(self, task_id, changes: TaskChanges, *, expected_modified=None) -> Task:
        body = self._body(changes)
        if not body:
            raise InputRefused("Nothing to change.")
        return self.client.patch(task_id, body)

    def set_status(self, task_id: str, status: str) -> Task:
        if status not in self.vocabulary().statuses:
            raise InputRefused(f"{status[:40]!r} is not a status of this site.")
        return self.client.patch(task_id, {"status": status})

    def delete(self, task_id: str) -> None:
        self.client.delete(task_id)

    def unapplied(self, asked: TaskChanges, answer: Task) -> tuple[Unapplied, ...]:
        found: list[Unapplied] = []
        for name, wanted in asked.given().items():
            if name in ("title", "status", "priority", "description"):
                got = getattr(answer, name)
                if (wanted or "") != (got or "").strip() and (wanted or "").strip() != (got or ""):
                    found.append(Unapplied(name, str(wanted or "")[:60], str(got or "")[:60]))
            elif name == "due":
                day = wanted.date() if wanted else None
                got = (answer.due_date - timedelta(days=1)).date() if answer.due_date else None
                if day != got:
                    found.append(Unapplied("due_date", str(day or ""), str(got or "")))
            elif name == "assignees":
                have = sorted(a.user_id or "" for a in answer.assignees)
                if sorted(w.lower() for w in wanted) != [h.lower() for h in have]:
                    found.append(Unapplied("assignees", ", ".join(wanted), ", ".join(have)))
        return tuple(found)


def _utc(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _user_of(client: DjangoCrmClient) -> str:
    me = client.me()
    email = me.get("email")
    if not isinstance(email, str) or not email:
        from ..errors import UnexpectedAnswer

        raise UnexpectedAnswer("The site did not say who this account is.", site=client.site_label)
    return email[:140]
