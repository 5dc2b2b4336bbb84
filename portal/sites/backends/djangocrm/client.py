"""Django-CRM's Tasks API as the recordings show it (contract/djangocrm/README.md).

Quirks handled here, with the recordings that show them:
- the list answers ``offset`` = the **next** page's offset, ``null`` on the last page and ``0``
  on an empty page past the end [072-075]: paging stops on anything but a larger offset;
- an unknown ``status`` filters nothing and returns every row [059]: only values of the site's
  own list are ever sent;
- ``assigned_to`` takes **profile** ids [063, 064]: people are named by email in the portal and
  mapped through the list's ``users`` catalogue;
- due dates filter as ``due_date__gte`` / ``__lte`` (plain ``due_date`` is ignored [068]);
- create answers without the new task's id [034]: the new task is found by a marker;
- ``PUT`` replaces the whole task [088, 089]: every change is a ``PATCH`` [090], followed by a
  read, since the answer carries no task;
- a bad assignee answers 400 **after saving** [053]: assignees are checked before sending;
- no credentials, a bad or expired token answer 403 "Organization context is required" [001,
  002, 134]: that is a refused credential (reconnect), not a missing permission.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from portal.http import Http, HttpResponse

from ..errors import (
    InputRefused,
    NoPermission,
    NotFound,
    ReconnectNeeded,
    ServerError,
    SiteError,
    Transient,
    UnexpectedAnswer,
    ValidationFailed,
)
from ..types import MAX_DESCRIPTION, MAX_SHORT, MAX_TITLE, Assignee, Task, Vocabulary
from .auth import ORG_CONTEXT

TASKS = "/api/tasks/"
PAGE = 100  # rows per list request
MAX_PAGES = 2_000  # a guard against a site that never stops paging
STATUSES = ("New", "In Progress", "Completed")
PRIORITIES = ("Low", "Medium", "High")
FINISHED = ("Completed",)


def _portal_status(value: str | None):
    return "done" if value in FINISHED else ("in_progress" if value == "In Progress" else "open")


def _text(value: Any, limit: int) -> str | None:
    return str(value)[:limit] if value is not None else None


def vocabulary_of(body: Mapping[str, Any]) -> Vocabulary:
    """The vocabularies every list answer carries as ``[value, label]`` pairs [054]."""

    def values(key: str, known: tuple[str, ...]) -> tuple[str, ...]:
        pairs = body.get(key) or ()
        got = tuple(str(p[0])[:MAX_SHORT] for p in pairs if isinstance(p, list) and p)
        return got or known

    return Vocabulary(values("status", STATUSES), values("priority", PRIORITIES), ())


def zone_contradictions(body: Mapping[str, Any], zone: ZoneInfo) -> set[timedelta]:
    """The UTC offsets of the rows' ``created_at`` that ``zone`` did not have at those moments.

    The site never names its organisation's zone, but renders ``created_at`` in it [141]: an
    offset the entered zone did not have at that moment proves the entered zone wrong."""
    found: set[timedelta] = set()
    for row in body.get("tasks") or ():
        try:
            moment = datetime.fromisoformat(str(row.get("created_at")).replace("Z", "+00:00"))
        except (AttributeError, ValueError):
            continue
        offset = moment.utcoffset()
        if offset is not None and moment.astimezone(zone).utcoffset() != offset:
            found.add(offset)
    return found


def due_end(day: date, zone: ZoneInfo) -> datetime:
    """A plain due date is due all that day on the organisation's calendar: overdue once it is
    over, at 00:00 of the day after [139-143]."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), zone)


def parse_task(row: Mapping[str, Any], *, zone: ZoneInfo, site: str | None) -> Task:
    if not isinstance(row, Mapping) or not isinstance(row.get("id"), str):
        raise UnexpectedAnswer("A task without an id came back.", site=site)
    due = row.get("due_date")
    due_at = None
    if isinstance(due, str) and due:
        try:
            due_at = due_end(date.fromisoformat(due[:10]), zone)
        except ValueError:
            due_at = None
    people = []
    for person in row.get("assigned_to") or ():
        if not isinstance(person, Mapping):
            continue
        details = person.get("user_details") or {}
        email = details.get("email") if isinstance(details, Mapping) else None
        if isinstance(email, str) and email:
            people.append(Assignee(user_id=email[:MAX_SHORT], email=email[:MAX_SHORT]))
    created = _moment(row.get("created_at"), zone)
    updated = _moment(row.get("updated_at"), zone) or created
    owner = row.get("created_by")
    status = _text(row.get("status"), MAX_SHORT)
    return Task(
        id=row["id"][:64],
        title=_text(row.get("title"), MAX_TITLE) or "",
        description=_text(row.get("description"), MAX_DESCRIPTION),
        status=status or "",
        portal_status=_portal_status(status),
        priority=_text(row.get("priority"), MAX_SHORT),
        task_type=None,
        start_date=None,
        due_date=due_at,
        assignees=tuple(people),
        modified=updated,
        creation=created,
        owner=(owner.get("email") if isinstance(owner, Mapping) else None),
        time_zone=zone.key,
        site=site,
        due_is_day=True,
    )


def _moment(value: Any, zone: ZoneInfo) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def error_for(response: HttpResponse, body: Any, *, site: str | None, write: bool) -> SiteError:
    words = ""
    if isinstance(body, Mapping):
        words = str(body.get("detail") or body.get("error") or "")
        errors = body.get("errors") if isinstance(body.get("errors"), Mapping) else None
        if not words or words in ("True", "False"):
            errors = errors or {k: v for k, v in body.items() if isinstance(v, list)}
            words = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (errors or {}).items())
    status = response.status
    kwargs: dict[str, Any] = {"status": status, "site": site}
    if status in (401, 403) and (status == 401 or ORG_CONTEXT in words.lower()):
        return ReconnectNeeded(words or "The site refused the credential.", **kwargs)
    if status == 403:
        return NoPermission(words or "The site refused this.", **kwargs)
    if status == 404:
        return NotFound(words or "The task was not found.", **kwargs)
    if status == 400:
        return ValidationFailed(words or "The site refused the input.", **kwargs)
    if status in (429, 502, 503, 504):
        return Transient(words or f"The site answered {status}.", **kwargs)
    if status >= 500:
        return ServerError(words or f"The site answered {status}.", permanent=write, **kwargs)
    return SiteError(words or f"The site answered {status}.", **kwargs)


class DjangoCrmClient:
    def __init__(
        self,
        base_url: str,
        auth,
        *,
        time_zone: str,
        http: Http,
        site_label: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.http = http
        self.zone = ZoneInfo(time_zone or "UTC")
        self.site_label = site_label
        self._clock = clock or (lambda: datetime.now(self.zone))
        self._users: dict[str, str] | None = None  # email (lowercase) -> profile id
        # The whole organisation's catalogue, read with another credential: a USER's own list
        # names only the org's admins [114, 122], so it cannot name their colleagues, or them.
        self.directory: Callable[[], Mapping[str, str]] | None = None

    # -- plumbing ----------------------------------------------------------------------------

    def call(self, verb: str, path: str, *, params=None, body=None, write=False) -> Any:
        headers = {"Accept": "application/json"}
        if self.auth is not None:
            headers.update(self.auth.headers())
        response = self._send(verb, path, params, body, headers)
        rejected = response.status in (401, 403) and self.auth is not None
        if rejected and ORG_CONTEXT in response.text.lower()[:500] or response.status == 401:
            # An expired access token looks like no token at all [134]: refresh once (the
            # site refused before doing anything, so a write may be sent again).
            if self.auth is not None and self.auth.retry_after_rejection(headers):
                headers = {"Accept": "application/json", **self.auth.headers()}
                response = self._send(verb, path, params, body, headers)
        try:
            decoded = json.loads(response.content.decode("utf-8")) if response.content else None
        except (UnicodeDecodeError, ValueError):
            decoded = None
            if 200 <= response.status < 300:
                raise UnexpectedAnswer("The site answered with something other than JSON.",
                                       site=self.site_label) from None  # fmt: skip
        if 200 <= response.status < 300:
            return decoded
        raise error_for(response, decoded, site=self.site_label, write=write)

    def _send(self, verb, path, params, body, headers) -> HttpResponse:
        return self.http.request(
            verb, self.base_url + path, params=params, json=body, headers=headers,
            site=self.site_label,
        )  # fmt: skip

    def now(self) -> datetime:
        return self._clock().astimezone(self.zone)

    # -- reads -------------------------------------------------------------------------------

    def page(self, *, offset: int = 0, limit: int = PAGE, **filters: Any) -> dict[str, Any]:
        params: dict[str, Any] = {"slim": "true", "limit": limit, "offset": offset or None}
        for key, value in filters.items():
            if value not in (None, "", (), []):
                params[key] = list(value) if isinstance(value, list | tuple) else value
        params = {k: v for k, v in params.items() if v is not None}
        body = self.call("GET", TASKS, params=params)
        if not isinstance(body, Mapping) or not isinstance(body.get("tasks"), list):
            raise UnexpectedAnswer("The task list came back in an unknown shape.",
                                   site=self.site_label)  # fmt: skip
        self._learn_users(body)
        return body

    def tasks(self, **filters: Any) -> list[Task]:
        """Every task matching the filters, all pages. The next offset must grow: ``null``
        (last page) and ``0`` (past the end) both end it [072-075]."""
        found: dict[str, Task] = {}
        offset = 0
        for _ in range(MAX_PAGES):
            body = self.page(offset=offset, **filters)
            for row in body["tasks"]:
                task = parse_task(row, zone=self.zone, site=self.site_label)
                found.setdefault(task.id, task)
            following = body.get("offset")
            if not isinstance(following, int) or following <= offset or not body["tasks"]:
                break
            offset = following
        return list(found.values())

    def count(self, **filters: Any) -> int:
        body = self.page(limit=1, **filters)
        total = body.get("tasks_count")
        return int(total) if isinstance(total, int) else len(body["tasks"])

    def get(self, task_id: str) -> Task:
        body = self.call("GET", f"{TASKS}{checked_id(task_id)}/")
        row = body.get("task_obj") if isinstance(body, Mapping) else None
        if not isinstance(row, Mapping):
            raise UnexpectedAnswer("The task came back in an unknown shape.", site=self.site_label)
        return parse_task(row, zone=self.zone, site=self.site_label)

    def me(self) -> dict[str, Any]:
        body = self.call("GET", "/api/auth/me/")
        return body if isinstance(body, Mapping) else {}

    def vocabulary(self) -> Vocabulary:
        return vocabulary_of(self.page(limit=1))

    # -- people ------------------------------------------------------------------------------

    def _learn_users(self, body: Mapping[str, Any]) -> None:
        learned = dict(self._users or {})
        users = body.get("users")
        if isinstance(users, list):
            learned.update(
                (str(u["user__email"]).lower(), str(u["id"]))
                for u in users
                if isinstance(u, Mapping) and u.get("user__email") and u.get("id")
            )
        for row in body.get("tasks") or ():
            # Each assignee of a visible row carries its profile id and email [054].
            for person in (row.get("assigned_to") if isinstance(row, Mapping) else None) or ():
                email = (person.get("user_details") or {}).get("email") if isinstance(
                    person, Mapping) else None  # fmt: skip
                if isinstance(email, str) and email and person.get("id"):
                    learned.setdefault(email.lower(), str(person["id"]))
        self._users = learned

    def catalogue(self) -> dict[str, str]:
        """Email (lowercase) -> profile id of the people this credential's list names."""
        if self._users is None:
            self.page(limit=1)
        return dict(self._users or {})

    def profile_ids(self, emails: tuple[str, ...] | list[str]) -> list[str]:
        """Profile ids for site users named by email; unknown people are refused here, before
        anything is sent (a bad id answers 400 after the task was saved [053])."""
        known = self.catalogue()
        if any(e.lower() not in known for e in emails) and self.directory is not None:
            known = {**self.directory(), **known}
        missing = [e for e in emails if e.lower() not in known]
        if missing:
            raise InputRefused(
                f"Not a user of this organisation: {', '.join(m[:80] for m in missing[:5])}.",
                site=self.site_label,
            )
        return [known[e.lower()] for e in emails]

    # -- writes ------------------------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> Task:
        """The site answers without the new task's id [034]: a unique marker in the description
        finds it, then the marker is taken out again."""
        marker = f"[portal:{secrets.token_hex(8)}]"
        description = body.get("description") or ""
        sent = {**body, "description": f"{description}\n{marker}".strip()}
        self.call("POST", TASKS, body=sent, write=True)
        # List rows carry no description: candidates come from the search (which may cover
        # descriptions), else the newest tasks of that title, each read to see the marker.
        candidates = self.tasks(search=marker) or self.tasks(title=body.get("title", ""))
        candidates.sort(key=lambda t: t.creation or datetime.min.replace(tzinfo=self.zone),
                        reverse=True)  # fmt: skip
        matches = []
        for candidate in candidates[:20]:
            task = self.get(candidate.id)
            if marker in (task.description or ""):
                matches.append(task)
                break
        if len(matches) != 1:
            raise UnexpectedAnswer("The site created the task but it could not be found again.",
                                   site=self.site_label)  # fmt: skip
        task_id = matches[0].id
        self.call("PATCH", f"{TASKS}{task_id}/", body={"description": description}, write=True)
        return self.get(task_id)

    def patch(self, task_id: str, body: dict[str, Any]) -> Task:
        """A partial change (never PUT, which clears what it does not send [088]); the answer
        holds no task, so the task is read again [090]."""
        ident = checked_id(task_id)
        self.call("PATCH", f"{TASKS}{ident}/", body=body, write=True)
        return self.get(ident)

    def delete(self, task_id: str) -> None:
        """A second delete answers 404 "No such task." [128]: already gone counts as done."""
        try:
            self.call("DELETE", f"{TASKS}{checked_id(task_id)}/", write=True)
        except NotFound:
            return


def checked_id(task_id: str) -> str:
    """Task ids are UUIDs; anything else would get the site's HTML 404 page [085]."""
    text = str(task_id).strip().lower()
    parts = text.split("-")
    if (
        len(text) != 36
        or [len(p) for p in parts] != [8, 4, 4, 4, 12]
        or not all(c in "0123456789abcdef-" for c in text)
    ):
        raise NotFound(f"Task {str(task_id)[:64]} was not found.")
    return text
