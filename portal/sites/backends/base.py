"""The one interface every backend implements: what the portal asks of any CRM site.

A backend instance is one site with one credential (a person's connection or the site's service
credential). Everything above ``portal.sites.backends`` talks to sites through this interface
only, in the portal's own words (``types``, ``errors``, ``buckets``): tasks with string ids,
portal statuses, typed changes for writes, the error family. How a CRM is asked (its URLs, JSON
shapes, filters, paging quirks) stays inside its backend's folder.

Reads for pages come in two shapes, so that a page costs the same whatever a site's size:
- a small site is read whole (``open_page`` says whether one page held every open task) and
  bucketed by the portal;
- a big one is asked for counts per bucket slot and only the rows a page shows
  (``bucket_counts``, ``bucket_rows``, ``search_first``), exactly as the portal's definitions
  would bucket and order them (``portal.sites.buckets``, ``tasks_ui.selectors.rows.row_order``).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from .errors import InputRefused, SiteError
from .types import Capabilities, PortalStatus, Task, Vocabulary

# The slots a page counts: the four buckets, with today's finished tasks apart.
SLOTS = ("overdue", "late", "today", "today_finished", "upcoming")
OPEN_SLOTS = ("overdue", "late", "today", "upcoming")  # the buckets; finished ones are apart


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class TaskChanges:
    """A write in the portal's words: only the fields given (not ``UNSET``) are written.

    ``status`` is the site's own value (from its vocabulary), ``start``/``due`` naive datetimes
    on the site's clock (a backend whose CRM keeps a plain due date takes the date), ``None``
    clears a field, ``assignees`` the complete new set of site user ids."""

    title: Any = UNSET
    description: Any = UNSET
    status: Any = UNSET
    priority: Any = UNSET
    task_type: Any = UNSET
    start: Any = UNSET
    due: Any = UNSET
    assignees: Any = UNSET

    # The portal's field names (forms, audit entries, bulk rows) for the typed changes.
    FIELD_NAMES = {"start_date": "start", "due_date": "due"}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> TaskChanges:
        """From the portal's field names: ``title`` ... ``task_type``, ``start_date`` and
        ``due_date`` (site-local ``YYYY-MM-DD HH:MM:SS`` text, a naive datetime, or None),
        ``assignees`` (site user ids)."""
        names = {f.name for f in dataclass_fields(cls)}
        out: dict[str, Any] = {}
        for name, value in fields.items():
            key = cls.FIELD_NAMES.get(name, name)
            if key not in names:
                raise InputRefused(f"Unsupported task field: {name[:40]!r}.")
            if key in ("start", "due") and isinstance(value, str):
                try:
                    value = datetime.fromisoformat(value.strip()) if value.strip() else None
                except ValueError:
                    raise InputRefused(f"{name} is not a valid date: {value[:40]!r}.") from None
            if key == "assignees":
                value = tuple(str(v) for v in value)
            out[key] = value
        return cls(**out)

    def given(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not UNSET}

    def without(self, *names: str) -> TaskChanges:
        return TaskChanges(**{k: v for k, v in self.given().items() if k not in names})


@dataclass(frozen=True)
class TaskQuery:
    """Conditions on tasks, all combined with AND. ``statuses`` are the site's own values (map
    portal statuses with ``buckets.site_statuses``); dates are days in the site's zone and
    ``date_to`` counts whole. ``date_from``/``date_to`` bound the task's day (its start, or a
    plain due day), ``due_from``/``due_to`` the day it is due (the calendar's range).
    ``matches`` applies the conditions exactly in Python (a site's text search may be broader,
    and a backend may leave dates to it)."""

    ids: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None
    priorities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    not_statuses: tuple[str, ...] = ()
    title_contains: str = ""
    # In the title or the description: what a person searching means. A row that carries no
    # description is judged by its title (backends send this to the site where it can search
    # descriptions, and read the description of the rows that matched there).
    text_contains: str = ""
    assigned_to: str = ""  # a site user id

    def matches(self, task: Task) -> bool:
        if self.ids and task.id not in self.ids:
            return False
        start = task.start_date.date() if task.start_date else None
        if start is None and task.due_is_day:
            start = due_day_of(task)  # the task's day is its due day
        if self.date_from and (start is None or start < self.date_from):
            return False
        if self.date_to and (start is None or start > self.date_to):
            return False
        if self.due_from or self.due_to:
            due = due_day_of(task)
            if due is None or (self.due_from and due < self.due_from):
                return False
            if self.due_to and due > self.due_to:
                return False
        if self.priorities and task.priority not in self.priorities:
            return False
        if self.statuses and task.status not in self.statuses:
            return False
        if self.not_statuses and task.status in self.not_statuses:
            return False
        if self.title_contains and self.title_contains.casefold() not in task.title.casefold():
            return False
        if self.text_contains and not _mentions(task, self.text_contains):
            return False
        return not self.assigned_to or task.is_assigned_to(self.assigned_to)


_TAG = re.compile(r"<[^>]*>")


def _mentions(task: Task, text: str) -> bool:
    needle = text.casefold()
    if needle in task.title.casefold():
        return True
    # Descriptions may be HTML (Frappe's text editor): match the words, not the markup.
    if not task.description:
        return False
    words = unescape(_TAG.sub(" ", task.description))
    return needle in " ".join(words.split()).casefold()


@dataclass(frozen=True)
class RowOrder:
    """Another order than the portal's for a big site's first rows: by a date, rows without
    one last in either direction, ties in the portal's order. Only dates: a site orders them
    as the portal does (a site's collation orders titles its own way)."""

    column: str  # "due" or "start"
    descending: bool = False


def due_day_of(task: Task) -> date | None:
    """The day a task is due on its site's clock. A plain due day (``Task.due_is_day``) is held
    as 00:00 of the day after, the moment it turns overdue: its day is the one before."""
    if task.due_date is None:
        return None
    if task.due_is_day:
        return (task.due_date - timedelta(days=1)).date()
    return task.due_date.date()


@dataclass(frozen=True)
class SiteSettings:
    """What a backend needs to know of a registered site (no secrets): ``options`` holds the
    backend's own settings (Frappe: OAuth client id, flavour; Django-CRM: organisation)."""

    name: str
    base_url: str
    time_zone: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    vocabulary: Vocabulary | None = None


@dataclass(frozen=True)
class Unapplied:
    """One field of a write the site's answer does not show, as text for people and the log."""

    field: str
    asked: str
    answered: str


@dataclass
class OverdueRead:
    """Every open task of a site a reminder may be about, by id, with its portal bucket (or
    ``soon``: due within the asked time)."""

    found: dict[str, tuple[Task, str]] = field(default_factory=dict)
    late_bucket_rows: int = 0
    # A backend's own periodic cross-check, when asked for (``agrees``, ``words()``), or why
    # it could not be made: never a reason to fail the scan.
    check: Any = None
    check_error: str = ""


class InboundRefused(ValueError):
    """A webhook body the portal cannot read (answered 400, so the site does not retry it)."""


@dataclass(frozen=True)
class InboundEvent:
    """One change a site told the portal of: which task, what happened, its status when the
    site said it (the site's own value)."""

    task_id: str
    event: str = ""
    status: str | None = None


@dataclass(frozen=True)
class Features:
    """What a kind of site can do, for pages to offer only what works."""

    start_dates: bool = True  # tasks have a start (late/today/upcoming follow it)
    cancelled: bool = True  # a cancelled status exists
    task_types: bool = True
    webhooks: bool = False  # the site can tell the portal of changes (else: polling)
    managed_webhooks: bool = False  # the portal creates the site's webhooks through its API
    multiple_assignees: bool = True
    bulk_status_calls: bool = False  # the site changes many tasks in one call (set_status_many)
    assignee_required: bool = False  # the site refuses a task without one (EspoCRM [051])
    oauth_sign_in: bool = False  # people connect through the site's OAuth2 provider
    token_sign_in: bool = False  # people connect with a token they made on the site
    code_sign_in: bool = False  # people connect with a code the site emails them
    # people connect with their user name and password, exchanged once for a token (the
    # password is never stored): ``password_connect``
    password_sign_in: bool = False
    flavours: bool = False  # the CRM comes in variants the doctor names (Frappe: task APIs)
    plain_due_dates: bool = False  # due dates are days without a time (``Task.due_is_day``)
    tells_time_zone: bool = True  # the site names its zone (else the admin enters it)
    # The longest title the site stores: forms count and refuse past it rather than let the
    # site refuse (or the browser silently cut) a longer one.
    title_max_length: int = 140


class TaskBackend(ABC):
    """One site, one credential. Methods raise the portal's error family (``errors``)."""

    kind: ClassVar[str]  # the registry's key, stored on the Site
    label: ClassVar[str]  # the CRM's name, for people
    features: ClassVar[Features] = Features()
    # A site with more open tasks than this is "big": read by counts and first rows only.
    small_site_rows: ClassVar[int] = 1000

    zone: ZoneInfo
    settings: SiteSettings

    # -- construction ------------------------------------------------------------------------

    @classmethod
    @abstractmethod
    def open(
        cls, site: SiteSettings, credential: Any, *, http: Any, clock: Any, run_all: Any = None
    ) -> TaskBackend:
        """The backend of one site for one credential (None: anonymous, for the doctor).
        ``http`` is the portal's guarded seam; ``run_all`` runs a site's calls concurrently."""

    @staticmethod
    @abstractmethod
    def service_credential(kind: str, values: dict[str, str]) -> Any:
        """The credential of scheduled jobs from stored secrets (``api_key``/``api_secret``)."""

    @staticmethod
    @abstractmethod
    def person_credential(*, store: Any, site: SiteSettings, http: Any) -> Any:
        """A person's credential, reading and refreshing their tokens through ``store``."""

    def people_from(self, other: Callable[[], TaskBackend | None]) -> None:
        """Where to look up people this credential cannot see (the site's service credential,
        opened only if needed). Backends whose every credential sees everyone ignore it."""
        return None

    # -- the site ----------------------------------------------------------------------------

    @abstractmethod
    def now(self) -> datetime:
        """Now on the site's clock, aware, in its zone."""

    @abstractmethod
    def vocabulary(self) -> Vocabulary: ...

    @abstractmethod
    def logged_user(self) -> str:
        """The site user id behind the credential ("assigned to me" matches it)."""

    @abstractmethod
    def probe(self) -> Capabilities:
        """What the connection doctor shows: reachable, credential, vocabulary, zone, findings."""

    @classmethod
    @abstractmethod
    def task_link(cls, site: SiteSettings, task_id: str) -> str:
        """The task on its own site, for people (pages and reminders link to it)."""

    def task_url(self, task_id: str) -> str:
        return self.task_link(self.settings, task_id)

    def finished_statuses(self) -> tuple[str, ...]:
        """The site's values meaning done or cancelled (what "open" excludes)."""
        from portal.sites.buckets import portal_status

        return tuple(
            s for s in self.vocabulary().statuses if portal_status(s) in ("done", "cancelled")
        )

    # -- reads for pages -----------------------------------------------------------------------

    @abstractmethod
    def open_page(self, *, finished: Iterable[str]) -> tuple[list[Task], bool]:
        """The first page of open tasks (status not in ``finished``), and whether it is all."""

    @abstractmethod
    def finished_today(self, *, now: datetime, finished: Iterable[str]) -> list[Task]: ...

    @abstractmethod
    def bucket_counts(
        self, *, now: datetime, finished: Iterable[str], assigned_to: str = "", slots=SLOTS
    ) -> tuple[dict[str, int], Any]:
        """Counts per slot, exact, at a cost independent of the site's size; the second value
        is the backend's own note for ``bucket_rows`` (say, counts per part)."""

    def bucketed_total(
        self, *, now: datetime, finished: Iterable[str], assigned_to: str = ""
    ) -> int:
        """How many open tasks are in some bucket (overdue, late, today or upcoming): what a
        scope's tab shows when its buckets are not. Exact; a backend may answer it cheaper than
        ``bucket_counts``."""
        counts, _note = self.bucket_counts(
            now=now, finished=finished, assigned_to=assigned_to, slots=OPEN_SLOTS
        )
        return sum(counts[slot] for slot in OPEN_SLOTS)

    @abstractmethod
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
        """At least the first ``k`` tasks of a slot in the portal's order, or in ``order``
        (more may come: the caller sorts and cuts)."""

    @abstractmethod
    def search_all(self, query: TaskQuery) -> list[Task]:
        """Every task matching ``query`` (a small site)."""

    @abstractmethod
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
        """At least the first ``k`` matches in the portal's order (or ``order``), and how many
        there are (a big site)."""

    @abstractmethod
    def get(self, task_id: str) -> Task:
        """One task with every field the site gives, assignees complete."""

    # -- reads for jobs ------------------------------------------------------------------------

    @abstractmethod
    def overdue_and_late(
        self, *, now: datetime, cross_check: bool = False, due_within: timedelta | None = None
    ) -> OverdueRead:
        """Every open overdue or late task; with ``cross_check`` the backend's own periodic
        check of that reading (asked once a day per site); with ``due_within`` also every open
        task due within that time after ``now``, as ``soon`` (``buckets.due_soon``) unless it
        is late, read with the same requests (the due-date bound is only moved later)."""

    @abstractmethod
    def open_tasks(self) -> list[Task]:
        """Every open task with its assignees (report snapshots)."""

    @abstractmethod
    def finished_since(self, since: datetime) -> list[Task]:
        """Tasks finished (done or cancelled) and saved at or after ``since``."""

    # -- writes ----------------------------------------------------------------------------------

    @abstractmethod
    def create(self, changes: TaskChanges) -> Task:
        """The task as the site answered it (its id found even if the site does not say it)."""

    @abstractmethod
    def edit(
        self, task_id: str, changes: TaskChanges, *, expected_modified: datetime | None = None
    ) -> Task:
        """Only the given fields; ``EditConflict`` (with the fresh task) when the task's
        ``modified`` is no longer ``expected_modified``. The task as the site answered."""

    @abstractmethod
    def set_status(self, task_id: str, status: str) -> Task:
        """The site's own status value; the task as the site answered."""

    @abstractmethod
    def delete(self, task_id: str) -> None:
        """Deleted or already gone (sites answer both alike); raise on a refusal."""

    @abstractmethod
    def unapplied(self, asked: TaskChanges, answer: Task) -> tuple[Unapplied, ...]:
        """The asked fields the site's answer does not show (a 200 is not a success alone)."""

    def set_status_many(self, task_ids: Iterable[str], status: str) -> dict[str, Task | SiteError]:
        """One status for many tasks: per id, the task as the site answered or the error it
        raised. Default: ``set_status`` task by task; a backend whose site has a bulk call uses
        it where it may. Callers still check each answer (``unapplied``)."""
        outcomes: dict[str, Task | SiteError] = {}
        for task_id in task_ids:
            try:
                outcomes[task_id] = self.set_status(task_id, status)
            except SiteError as exc:
                outcomes[task_id] = exc
        return outcomes

    @classmethod
    def portal_priority(cls, value: str | None) -> str | None:
        """The portal's ``high``/``medium``/``low`` for a site's priority (``Task.priority``
        keeps the site's own value); None for one the portal cannot place."""
        word = (value or "").strip().lower()
        return word if word in ("high", "medium", "low") else None

    @classmethod
    def person_token_revoke(cls, site: SiteSettings, token: dict, *, http: Any) -> None:
        """Tell the site a person's stored token is no longer wanted (a site removed, a
        connection dropped); raises the error family when the site refuses. Default: nothing
        to tell."""
        return None

    # -- people connecting through the site's OAuth2 provider (``features.oauth_sign_in``) -------

    @classmethod
    def oauth_begin(cls, site: SiteSettings, *, redirect_uri: str, http: Any):
        """(URL to send the browser to, state, code verifier)."""
        raise NotImplementedError

    @classmethod
    def oauth_finish(
        cls, site: SiteSettings, *, code: str, verifier: str, redirect_uri: str, http: Any
    ) -> tuple[dict, str]:
        """The token set for the code, and the site user id it belongs to."""
        raise NotImplementedError

    @classmethod
    def oauth_password(cls, site: SiteSettings, *, username: str, password: str, http: Any) -> dict:
        """A token set for a site user's password (demos and scripts only)."""
        raise NotImplementedError

    # -- people connecting with their password, kept as a token (``password_sign_in``) -----------

    @classmethod
    def password_connect(
        cls, site: SiteSettings, *, username: str, password: str, http: Any
    ) -> tuple[dict, str]:
        """The stored token set a user name and password are exchanged for (the password is
        not in it), and the site user id it belongs to."""
        raise NotImplementedError

    # -- people connecting with a token or an emailed code (``token_sign_in``, ``code_sign_in``) --

    @classmethod
    def token_connect(cls, site: SiteSettings, *, token: str, http: Any) -> tuple[dict, str]:
        """The stored token set for a token the person made on the site, and the site user id
        it belongs to (the token is checked with the site before anything is stored)."""
        raise NotImplementedError

    @classmethod
    def code_request(cls, site: SiteSettings, *, email: str, http: Any) -> None:
        """Ask the site to email this address a sign-in code."""
        raise NotImplementedError

    @classmethod
    def code_connect(
        cls, site: SiteSettings, *, email: str, code: str, http: Any
    ) -> tuple[dict, str]:
        """The token set the code is exchanged for, and the site user id."""
        raise NotImplementedError

    # -- webhooks from the site ------------------------------------------------------------------

    @classmethod
    def inbound_verified(cls, *, secret: str, raw_body: bytes, headers: Any) -> bool:
        """Whether the body is signed by the site (constant-time); no webhooks: never."""
        return False

    @classmethod
    def inbound_events(cls, raw_body: bytes) -> list[InboundEvent]:
        """The changes a verified body tells of, in order (one for Frappe; a batch of many
        for EspoCRM); ``InboundRefused`` for a body it cannot read (every stored field checked
        to fit before anything is written)."""
        raise InboundRefused("This kind of site sends no webhooks.")

    def webhooks_install(self, url: str) -> str:
        """Creates (or keeps) the site's webhooks to ``url`` through its API; returns the
        secret to store for verifying them (``managed_webhooks``)."""
        raise NotImplementedError

    def webhooks_state(self) -> list[dict[str, Any]]:
        """The site's webhooks for this credential: ``id``, ``event``, ``url``, ``active``."""
        raise NotImplementedError

    def kept_overdue(self, differences: tuple[Unapplied, ...]) -> bool:
        """Whether the differences are the site's rule for overdue tasks (say it so)."""
        return False

    @classmethod
    def statuses_refused(
        cls, site: SiteSettings, task: Task, now: datetime
    ) -> frozenset[PortalStatus]:
        """Portal statuses the site will not take for this task, known before trying."""
        return cls.refused_on_save(site, due=task.due_date, now=now)

    @classmethod
    def refused_on_save(
        cls, site: SiteSettings, *, due: datetime | None, now: datetime
    ) -> frozenset[PortalStatus]:
        """The same for a save with this due date (forms check it before sending)."""
        return frozenset()
