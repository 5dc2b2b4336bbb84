"""EspoCRM behind the portal's one interface (contract/espocrm/README.md).

A site is a base URL; the service credential is an API user (API key or HMAC), and people sign
in with their user name and password once, exchanged for an auth token, so EspoCRM's own access
rules apply to what they read and write [124-130]. Tasks have a start and an end (``dateEnd`` is
the due date), one assignee and no task type; statuses and priorities are in ``tasks``.

How Deferred counts: as finished, like Canceled, never open and never overdue (``tasks``).
How Urgent maps: kept as the site's value; on the portal's scale it is high, above High
(``portal_priority``, ``tasks.PRIORITY_ORDER``).

Pages read a site whole (every open task, 200 rows a request) and bucket it in the portal, like
Django-CRM: exact at any size. Jobs ask the site for candidates with bracket filters (``where``)
and bucket those the same way.

Webhooks (``webhooks``): four per site (create, update, delete, status), each with its secret;
``webhooks_ensure`` makes them and gives the secret text to store for the site.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from portal.sites.buckets import due_soon

from ..base import (
    Features,
    InboundEvent,
    InboundRefused,
    OverdueRead,
    SiteSettings,
    TaskBackend,
    TaskChanges,
    TaskQuery,
    Unapplied,
)
from ..errors import EditConflict, InputRefused, NoPermission, SiteError
from ..types import Capabilities, Task, Vocabulary
from ..whole_site import WholeSiteReads, bucket_of
from . import auth, tasks, webhooks
from . import where as w
from .client import EspoClient, checked_id
from .writes import changes_body, unapplied

MASS_UPDATE_ALLOWED = ("yes", "all")


class EspoBackend(WholeSiteReads, TaskBackend):
    kind = "espocrm"
    label = "EspoCRM"
    features = Features(
        start_dates=True,
        cancelled=True,
        task_types=False,
        webhooks=True,
        managed_webhooks=True,
        multiple_assignees=False,
        assignee_required=True,
        bulk_status_calls=True,
        password_sign_in=True,
        plain_due_dates=False,
        tells_time_zone=True,
        # Task name ≤ 255; longer answers 400 maxLength (contract/espocrm [061], README).
        title_max_length=255,
    )
    small_site_rows = 1_000_000  # always read whole (see the module's docstring)

    def __init__(self, client: EspoClient, *, settings: SiteSettings, run_all=None) -> None:
        self.client = client
        self.settings = settings
        self.zone = client.zone
        self.run_all = run_all

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def open(cls, site: SiteSettings, credential, *, http, clock, run_all=None):
        client = EspoClient(
            site.base_url,
            credential,
            time_zone=site.time_zone or "UTC",
            http=http,
            site_label=site.name,
            clock=clock,
        )
        return cls(client, settings=site, run_all=run_all)

    @staticmethod
    def service_credential(kind: str, values: dict[str, str]):
        """``api_key``: the key alone (``X-Api-Key``), or signed with HMAC when a secret key is
        stored too (an HMAC API user has both); ``hmac``: key and secret key, always signed."""
        key, secret = (values.get("api_key") or "").strip(), (values.get("api_secret") or "")
        if kind == "hmac" or (kind == "api_key" and secret.strip()):
            if not key or not secret.strip():
                raise LookupError("An HMAC API user needs its API key and its secret key.")
            return auth.HmacAuth(key, secret.strip())
        if kind == "api_key":
            if not key:
                raise LookupError("An EspoCRM API user needs its API key.")
            return auth.ApiKeyAuth(key)
        raise LookupError(f"An EspoCRM site takes an API user's key (api_key, hmac), not {kind!r}.")

    @staticmethod
    def person_credential(*, store, site: SiteSettings, http):
        return auth.auth_for_token(store.load())

    @classmethod
    def task_link(cls, site: SiteSettings, task_id: str) -> str:
        return f"{site.base_url.rstrip('/')}/#Task/view/{task_id}"

    @classmethod
    def password_connect(
        cls, site: SiteSettings, *, username: str, password: str, http
    ) -> tuple[dict, str]:
        token, answer = auth.password_login(
            http, site.base_url, username=username, password=password, site=site.name
        )
        return token, str(answer["user"].get("id") or "")[:140]

    @classmethod
    def portal_priority(cls, value: str | None) -> str | None:
        return tasks.PORTAL_PRIORITY.get(value or "")

    # -- the site ----------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.client.now()

    def vocabulary(self) -> Vocabulary:
        if self.settings.vocabulary is not None:
            return self.settings.vocabulary
        return Vocabulary(tasks.STATUSES, tasks.PRIORITIES, ())

    def finished_statuses(self) -> tuple[str, ...]:
        return tuple(
            s for s in self.vocabulary().statuses if tasks.portal_status(s) in ("done", "cancelled")
        )

    def _open_statuses(self) -> list[str]:
        finished = set(self.finished_statuses())
        return [s for s in self.vocabulary().statuses if s not in finished] or list(tasks.OPEN)

    def logged_user(self) -> str:
        user = self.client.app_user()["user"]
        return str(user.get("id") or "")[:140]

    def probe(self) -> Capabilities:
        from .probe import probe

        return probe(self.client)

    # -- reads for pages -----------------------------------------------------------------------

    def _open(self) -> list[Task]:
        return self.client.tasks([w.in_("status", self._open_statuses())])

    def open_page(self, *, finished: Iterable[str]) -> tuple[list[Task], bool]:
        return self._open(), True

    def _day_bounds(self, now: datetime) -> tuple[datetime, datetime]:
        today = now.astimezone(self.zone).date()
        return tasks.day_start(today, self.zone), tasks.day_start(today + timedelta(1), self.zone)

    def finished_today(self, *, now: datetime, finished: Iterable[str]) -> list[Task]:
        finished = list(finished) or list(self.finished_statuses())
        start, end = self._day_bounds(now)
        today = now.astimezone(self.zone).date().isoformat()
        found = self.client.tasks(
            [
                w.in_("status", finished),
                w.any_of(
                    w.between(
                        "dateStart",
                        tasks.wire(start, self.zone),
                        tasks.wire(end - timedelta(seconds=1), self.zone),
                    ),
                    w.equals("dateEndDate", today),
                ),
            ]
        )
        return [t for t in found if bucket_of(t, now, finished) == "today_finished"]

    def query_where(self, query: TaskQuery) -> list[w.Item]:
        """The conditions the site applies exactly as sent, as bracket items; the rest (dates,
        the exact title match) is ``query.matches``. Values outside the site's vocabulary are
        never sent: they would be a 400 [053], or an empty ``in``."""
        vocabulary = self.vocabulary()
        items: list[w.Item] = []
        if query.ids:
            items.append(w.in_("id", [checked_id(i) for i in query.ids]))
        statuses = [s for s in query.statuses if s in vocabulary.statuses]
        if statuses:
            items.append(w.in_("status", statuses))
        not_statuses = [s for s in query.not_statuses if s in vocabulary.statuses]
        if not_statuses:
            items.append(w.not_in("status", not_statuses))
        priorities = [p for p in query.priorities if p in vocabulary.priorities]
        if priorities:
            items.append(w.in_("priority", priorities))
        if query.assigned_to:
            items.append(w.equals("assignedUserId", query.assigned_to))  # [090]
        if query.text_contains:
            # ``textFilter`` looks at the name only [091]; a search means the description too.
            like = "%" + query.text_contains.replace("%", "").replace("_", "").strip() + "%"
            items.append(w.any_of(w.like("name", like), w.like("description", like)))
        return items

    def _text_filter(self, query: TaskQuery) -> list[tuple[str, str]]:
        # ``textFilter`` matches the start of the name unless wildcards are used [091, 092].
        text = query.title_contains.replace("*", " ").strip()
        return [("textFilter", f"*{text}*")] if text else []

    def search_all(self, query: TaskQuery) -> list[Task]:
        if (
            query.statuses and not any(s in self.vocabulary().statuses for s in query.statuses)
        ) or (
            query.priorities
            and not any(p in self.vocabulary().priorities for p in query.priorities)
        ):
            return []  # only values this site does not have: nothing can match
        found = self.client.tasks(self.query_where(query), extra=self._text_filter(query))
        return [t for t in found if query.matches(t)]

    def get(self, task_id: str) -> Task:
        return self.client.get(task_id)

    # -- reads for jobs ------------------------------------------------------------------------

    def overdue_and_late(
        self, *, now: datetime, cross_check: bool = False, due_within: timedelta | None = None
    ) -> OverdueRead:
        """Open tasks whose end has passed or that started before today: ``dateEnd`` before
        now with the open statuses is EspoCRM's own overdue rule [085], with Deferred out;
        with ``due_within`` the bound moves that much later, for the tasks due soon."""
        start, _ = self._day_bounds(now)
        until = now + due_within if due_within else now
        found = self.client.tasks(
            [
                w.in_("status", self._open_statuses()),
                w.any_of(
                    w.before("dateEnd", tasks.wire(until, self.zone)),
                    w.before("dateStart", tasks.wire(start, self.zone)),
                ),
            ]
        )
        read = OverdueRead()
        for task in found:
            slot = bucket_of(task, now, ())
            if slot in ("overdue", "late"):
                read.found[task.id] = (task, slot)
            elif due_soon(task, now, due_within):
                read.found[task.id] = (task, "soon")
        return read

    def open_tasks(self) -> list[Task]:
        return self._open()

    def finished_since(self, since: datetime) -> list[Task]:
        """``modifiedAt after`` [102] (strict, so a second earlier), finished statuses only."""
        after = tasks.wire(since - timedelta(seconds=1), self.zone)
        found = self.client.tasks(
            [w.in_("status", list(self.finished_statuses())), w.after("modifiedAt", after)]
        )
        return [t for t in found if t.modified is None or t.modified >= since]

    # -- writes ----------------------------------------------------------------------------------

    def create(self, changes: TaskChanges) -> Task:
        body = changes_body(changes, vocabulary=self.vocabulary(), zone=self.zone)
        if not body.get("name"):
            raise InputRefused("A title is required.")
        if not body.get("assignedUserId"):
            # The site refuses a task without one [052, 070]: say so before sending.
            raise InputRefused("EspoCRM needs an assignee for every task: choose who it is for.")
        return self.client.create(body)

    def edit(self, task_id, changes: TaskChanges, *, expected_modified=None) -> Task:
        current = None
        one_date = ("start" in changes.given()) != ("due" in changes.given())
        if expected_modified is not None or one_date:
            current = self.client.get(task_id)
            if expected_modified is not None and current.modified != expected_modified:
                raise EditConflict(
                    "The task changed on the site since you opened it.",
                    current=current,
                    site=self.settings.name,
                )
        body = changes_body(changes, vocabulary=self.vocabulary(), zone=self.zone, current=current)
        if not body:
            raise InputRefused("Nothing to change.")
        return self.client.patch(task_id, body)

    def set_status(self, task_id: str, status: str) -> Task:
        if status not in self.vocabulary().statuses:
            raise InputRefused(f"{status[:40]!r} is not a status of this site.")
        return self.client.patch(task_id, {"status": status})

    def set_status_many(self, task_ids: Iterable[str], status: str) -> dict[str, Task | SiteError]:
        """``POST /MassAction`` when the role has mass-update permission (else 403 [145]),
        the answers then read back in one list; task by task otherwise, or for any id the
        mass action did not report."""
        ids = list(dict.fromkeys(task_ids))
        if status not in self.vocabulary().statuses:
            raise InputRefused(f"{status[:40]!r} is not a status of this site.")
        outcomes: dict[str, Task | SiteError] = {}
        if len(ids) > 1 and self._may_mass_update():
            try:
                changed = set(self.client.mass_update(ids, {"status": status}))
            except NoPermission:
                changed = set()
            if changed:
                read = self.client.tasks([w.in_("id", sorted(changed))])
                outcomes.update((t.id, t) for t in read)
        rest = [i for i in ids if i not in outcomes]
        outcomes.update(super().set_status_many(rest, status))
        return {i: outcomes[i] for i in ids}

    def _may_mass_update(self) -> bool:
        try:
            acl = self.client.app_user().get("acl")
        except SiteError:
            return False
        allowed = acl.get("massUpdatePermission") if isinstance(acl, Mapping) else None
        return allowed in MASS_UPDATE_ALLOWED  # "no" for the recorded API role [134]

    def delete(self, task_id: str) -> None:
        self.client.delete(task_id)

    def unapplied(self, asked: TaskChanges, answer: Task) -> tuple[Unapplied, ...]:
        return unapplied(asked, answer, zone=self.zone)

    # -- webhooks ----------------------------------------------------------------------------------

    @classmethod
    def inbound_verified(cls, *, secret: str, raw_body: bytes, headers: Any) -> bool:
        return webhooks.verified(secret, raw_body, headers)

    @classmethod
    def inbound_events(cls, raw_body: bytes) -> list[InboundEvent]:
        try:
            told = webhooks.events(raw_body)
        except webhooks.WebhookRefused as refused:
            raise InboundRefused(str(refused)) from None
        return [InboundEvent(task_id=i, event=e, status=s) for i, e, s in told]

    def webhooks_state(self) -> list[dict[str, Any]]:
        """The site's webhooks for this credential, without their secrets."""
        return [
            {
                "id": str(r.get("id")),
                "event": str(r.get("event")),
                "url": str(r.get("url")),
                "active": bool(r.get("isActive")),
            }
            for r in self.client.webhooks()
        ]

    def webhooks_ensure(self, url: str) -> list[tuple[str, str, str]]:
        """One active webhook per event for ``url`` (existing ones kept, missing ones made):
        ``(event, id, secretKey)``; ``webhooks.stored_secret`` of it is the site's secret. The
        credential's role must allow Webhook (else 403 [038, 132])."""
        existing = {}
        for row in self.client.webhooks():
            if row.get("url") == url and row.get("isActive") and row.get("secretKey"):
                existing.setdefault(row.get("event"), row)
        hooks = []
        for event in webhooks.EVENTS:
            row = existing.get(event) or self.client.webhook_create(event, url)
            hooks.append((event, str(row["id"]), str(row["secretKey"])))
        return hooks

    def webhooks_install(self, url: str) -> str:
        return self.webhook_secret(self.webhooks_ensure(url))

    def webhooks_remove(self, url: str) -> int:
        """Delete this credential's webhooks to ``url``; how many there were."""
        rows = [r for r in self.client.webhooks() if r.get("url") == url and r.get("id")]
        for row in rows:
            self.client.webhook_delete(str(row["id"]))
        return len(rows)

    @staticmethod
    def webhook_secret(hooks: Iterable[tuple[str, str, str]]) -> str:
        return webhooks.stored_secret(hooks)
