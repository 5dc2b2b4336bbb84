"""Frappe CRM behind the portal's one interface (``backends.base.TaskBackend``).

The Frappe client and its read helpers do the work; this class only speaks the portal's words
to them: typed changes become Frappe's write fields, the portal's query becomes Frappe filters,
a bucket slot becomes the disjoint parts ``bucket_reads`` counts and reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ..base import (
    SLOTS,
    Features,
    InboundEvent,
    InboundRefused,
    OverdueRead,
    RowOrder,
    SiteSettings,
    TaskBackend,
    TaskChanges,
    TaskQuery,
    Unapplied,
)
from ..types import Capabilities, PortalStatus, Task, Vocabulary
from . import bucket_reads, overdue, webhooks
from .auth import ApiKeyAuth, Credential, MemoryTokenStore, OAuthBearer
from .buckets import FINISHED_STATUSES, portal_status, refused_on_save
from .client import FrappeClient
from .errors import NoPermission, SiteError
from .links import task_url
from .oauth import authorization_url, exchange_code, password_grant, revoke
from .outcome import kept_overdue, unapplied_fields
from .query import (
    PAGE_LENGTH,
    ROW_FIELDS,
    query_tasks,
    task_detail,
    task_filters,
    text_alternatives,
)

RunAll = Callable[[list[Callable[[], Any]]], list[Any]]


def _sequential(calls: list[Callable[[], Any]]) -> list[Any]:
    return [call() for call in calls]


def frappe_fields(changes: TaskChanges) -> dict[str, Any]:
    """The portal's typed changes as the Frappe client's write fields."""
    names = {"start": "start_date", "due": "due_date", "assignees": "assigned_to_list"}
    out: dict[str, Any] = {}
    for name, value in changes.given().items():
        if name == "assignees":
            value = [str(i) for i in value]
        out[names.get(name, name)] = value
    return out


class FrappeBackend(TaskBackend):
    kind = "frappe"
    label = "Frappe CRM"
    features = Features(
        start_dates=True,
        cancelled=True,
        task_types=True,
        webhooks=True,
        oauth_sign_in=True,
        flavours=True,
        # CRM Task's title is a Data field: Frappe stores 140 characters and refuses more
        # (CharacterLengthExceededError).
        title_max_length=140,
    )

    def __init__(
        self, client: FrappeClient, *, settings: SiteSettings, run_all: RunAll = _sequential
    ) -> None:
        self.client = client
        self.settings = settings
        self.zone = client.zone
        self.run_all = run_all

    @classmethod
    def open(
        cls,
        site: SiteSettings,
        credential: Credential | None,
        *,
        http,
        clock: Callable[[], datetime],
        run_all: RunAll | None = None,
    ) -> FrappeBackend:
        client = FrappeClient(
            site.base_url,
            credential,
            time_zone=site.time_zone or "UTC",
            flavour=site.options.get("flavour") or None,
            http=http,
            site_label=site.name,
            vocabulary=site.vocabulary,
            clock=clock,
        )
        return cls(client, settings=site, run_all=run_all or _sequential)

    @staticmethod
    def service_credential(kind: str, values: dict[str, str]) -> ApiKeyAuth:
        """Scheduled jobs on a Frappe site use an API key and secret."""
        if kind != "api_key":
            raise LookupError(f"A Frappe site takes an API key for scheduled jobs, not {kind!r}.")
        return ApiKeyAuth(values["api_key"], values["api_secret"])

    @staticmethod
    def person_credential(*, store, site: SiteSettings, http) -> OAuthBearer:
        return OAuthBearer(
            store=store,
            site_base=site.base_url,
            client_id=site.options.get("client_id", ""),
            http=http,
            site=site.name,
        )

    # -- the site ----------------------------------------------------------------------------

    @property
    def site_label(self) -> str | None:
        return self.client.site_label

    @property
    def flavour(self) -> str | None:
        return self.client.flavour

    def now(self) -> datetime:
        return self.client.now()

    def vocabulary(self) -> Vocabulary:
        return self.client.vocabulary()

    def logged_user(self) -> str:
        return self.client.logged_user()

    def probe(self) -> Capabilities:
        return self.client.probe()

    @classmethod
    def task_link(cls, site: SiteSettings, task_id: str) -> str:
        return task_url(site.base_url, task_id)

    def finished_statuses(self) -> tuple[str, ...]:
        """This site's finished values and every flavour's: safe in "not in" filters."""
        own = {s for s in self.vocabulary().statuses if portal_status(s) in ("done", "cancelled")}
        return tuple(sorted(own | set(FINISHED_STATUSES)))

    # -- reads for pages -----------------------------------------------------------------------

    def open_page(self, *, finished: Iterable[str]) -> tuple[list[Task], bool]:
        query = TaskQuery(not_statuses=tuple(finished))
        try:
            page = self.client.list_tasks(
                filters=task_filters(query), fields=ROW_FIELDS, page_length=PAGE_LENGTH
            )
        except NoPermission:
            # No generic list for this account [078]: mobile_api's lists, all of them.
            return query_tasks(self.client, query), True
        return [t for t in page if query.matches(t)], len(page) < PAGE_LENGTH

    def finished_today(self, *, now: datetime, finished: Iterable[str]) -> list[Task]:
        today = now.astimezone(self.zone).date()
        query = TaskQuery(date_from=today, date_to=today, statuses=tuple(finished))
        return query_tasks(self.client, query, run_pages=self.run_all)

    def bucket_counts(
        self, *, now: datetime, finished: Iterable[str], assigned_to: str = "", slots=SLOTS
    ) -> tuple[dict[str, int], Any]:
        parts = bucket_reads.slot_parts(
            self.client, now=now, finished=tuple(finished), assigned_to=assigned_to
        )
        flat = [(slot, part) for slot in slots for part in parts[slot]]
        numbers = bucket_reads.part_counts(self.client, [p for _, p in flat], run_all=self.run_all)
        counts = dict.fromkeys(SLOTS, 0)
        by_slot: dict[str, list[int]] = {slot: [] for slot in slots}
        for (slot, _part), n in zip(flat, numbers, strict=True):
            counts[slot] += n
            by_slot[slot].append(n)
        return counts, (parts, by_slot)

    def bucketed_total(
        self, *, now: datetime, finished: Iterable[str], assigned_to: str = ""
    ) -> int:
        every, outside = bucket_reads.bucketed_total_parts(
            self.client, now=now, finished=tuple(finished), assigned_to=assigned_to
        )
        numbers = bucket_reads.part_counts(self.client, [every, *outside], run_all=self.run_all)
        return numbers[0] - sum(numbers[1:])

    def bucket_rows(
        self,
        slot: str,
        *,
        now: datetime,
        finished: Iterable[str],
        assigned_to: str,
        k: int,
        note: Any,
        order: RowOrder | None = None,
    ) -> list[Task]:
        parts, by_slot = note
        return bucket_reads.part_rows(
            self.client, parts[slot], by_slot[slot], k=k, run_all=self.run_all, order=order
        )

    def search_all(self, query: TaskQuery) -> list[Task]:
        return query_tasks(self.client, query, run_pages=self.run_all)

    def search_first(
        self,
        query: TaskQuery,
        *,
        bucket: str,
        age: str,
        now: datetime,
        finished: Iterable[str],
        k: int,
        order: RowOrder | None = None,
    ) -> tuple[list[Task], int]:
        bucket_parts = None
        if bucket:
            slots = bucket_reads.slot_parts(self.client, now=now, finished=tuple(finished))
            bucket_parts = slots[bucket]
            if bucket == "today":  # the filter page shows today's finished ones too
                bucket_parts = bucket_parts + slots["today_finished"]
            if age:
                bucket_parts = bucket_reads.aged_parts(
                    bucket_parts, age=age, now=now, zone=self.zone
                )
        parts = [
            part
            for alternative in text_alternatives(query)
            for part in bucket_reads.matching_parts(
                [*task_filters(query), *alternative], bucket_parts=bucket_parts
            )
        ]
        counts = bucket_reads.part_counts(self.client, parts, run_all=self.run_all)
        rows = bucket_reads.part_rows(
            self.client, parts, counts, k=k, run_all=self.run_all, order=order
        )
        # The site applied the text (rows found by their description do not carry it).
        rest = replace(query, text_contains="")
        return [t for t in rows if rest.matches(t)], sum(counts)

    def get(self, task_id: str) -> Task:
        return task_detail(self.client, task_id)

    # -- reads for jobs ------------------------------------------------------------------------

    def overdue_and_late(
        self, *, now: datetime, cross_check: bool = False, due_within: timedelta | None = None
    ) -> OverdueRead:
        read = overdue.overdue_and_late(self.client, now=now, due_within=due_within)
        out = OverdueRead(found=dict(read.found), late_bucket_rows=read.late_bucket_rows)
        if cross_check:
            # The site's own late bucket, the expensive way, against the generic list's.
            try:
                out.check = overdue.late_bucket_cross_check(
                    self.client, list_ids=read.late_bucket_ids
                )
            except SiteError as exc:
                out.check_error = str(exc)
        return out

    def open_tasks(self) -> list[Task]:
        return self.client.open_tasks()

    def finished_since(self, since: datetime) -> list[Task]:
        return self.client.finished_since(since)

    # -- writes ----------------------------------------------------------------------------------

    def create(self, changes: TaskChanges) -> Task:
        return self.client.create_task(**frappe_fields(changes))

    def edit(
        self, task_id: str, changes: TaskChanges, *, expected_modified: datetime | None = None
    ) -> Task:
        return self.client.edit_task(
            task_id, expected_modified=expected_modified, **frappe_fields(changes)
        )

    def set_status(self, task_id: str, status: str) -> Task:
        return self.client.update_status(task_id, status)

    def delete(self, task_id: str) -> None:
        self.client.delete_task(task_id)

    def unapplied(self, asked: TaskChanges, answer: Task) -> tuple[Unapplied, ...]:
        found = unapplied_fields(asked=frappe_fields(asked), answer=answer)
        return tuple(Unapplied(d.field, d.asked, d.answered) for d in found)

    @classmethod
    def oauth_begin(cls, site: SiteSettings, *, redirect_uri: str, http):
        return authorization_url(
            site_base=site.base_url,
            client_id=site.options.get("client_id", ""),
            redirect_uri=redirect_uri,
            http=http,
        )

    @classmethod
    def oauth_finish(
        cls, site: SiteSettings, *, code: str, verifier: str, redirect_uri: str, http
    ) -> tuple[dict, str]:
        client_id = site.options.get("client_id", "")
        token = exchange_code(
            site_base=site.base_url,
            client_id=client_id,
            redirect_uri=redirect_uri,
            code=code,
            code_verifier=verifier,
            http=http,
            site=site.name,
        )
        bearer = OAuthBearer(
            store=MemoryTokenStore(token),
            site_base=site.base_url,
            client_id=client_id,
            http=http,
            site=site.name,
        )
        client = FrappeClient(
            site.base_url,
            bearer,
            time_zone=site.time_zone or "UTC",
            http=http,
            site_label=site.name,
        )
        return token, client.logged_user()

    @classmethod
    def oauth_password(cls, site: SiteSettings, *, username: str, password: str, http) -> dict:
        return password_grant(
            site_base=site.base_url,
            client_id=site.options.get("client_id", ""),
            username=username,
            password=password,
            http=http,
            site=site.name,
        )

    @classmethod
    def person_token_revoke(cls, site: SiteSettings, token: dict, *, http) -> None:
        refresh = (token or {}).get("refresh_token")
        if refresh:
            revoke(
                site_base=site.base_url,
                client_id=site.options.get("client_id", ""),
                token=refresh,
                http=http,
                site=site.name,
            )

    @classmethod
    def inbound_verified(cls, *, secret: str, raw_body: bytes, headers: Any) -> bool:
        return webhooks.verify_signature(secret, raw_body, headers.get(webhooks.SIGNATURE_HEADER))

    @classmethod
    def inbound_events(cls, raw_body: bytes) -> list[InboundEvent]:
        try:
            delivery = webhooks.delivery_checked(raw_body)
        except webhooks.WebhookRefused as refused:
            raise InboundRefused(str(refused)) from None
        return [
            InboundEvent(task_id=delivery.task_id, event=delivery.event, status=delivery.status)
        ]

    def kept_overdue(self, differences: tuple[Unapplied, ...]) -> bool:
        return kept_overdue(differences)  # type: ignore[arg-type]

    @classmethod
    def refused_on_save(
        cls, site: SiteSettings, *, due: datetime | None, now: datetime
    ) -> frozenset[PortalStatus]:
        return refused_on_save(flavour=site.options.get("flavour"), due=due, now=now)
