"""``FrappeClient``: every task operation on one Frappe site, for one credential.

Deployed and documented sites are served through ``crm.api.mobile_api``; ``plain`` sites (its
methods answer 417 "Failed to get method" [245, 246]) through ``/api/resource/CRM Task``. The
generic list also serves what only it does well on every flavour: one task by id, "assigned to"
(``_assign``) and the complete overdue scan.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from portal.http import AddressPolicy, Http

from ..auth import Credential
from ..buckets import FINISHED_STATUSES, site_statuses
from ..errors import EditConflict, InputRefused, MethodMissing, SiteError
from ..models import (
    Capabilities,
    Flavour,
    Page,
    PortalStatus,
    SiteBuckets,
    Task,
    Vocabulary,
)
from .calls import SiteCaller
from .mobile import MobileApi
from .parse import (
    comma_list,
    day_start,
    message_of,
    next_day,
    site_date,
    vocabulary_from_meta,
)
from .parse import order_by as checked_order
from .parse import task_id as checked_id
from .resource import LIST_FIELDS, SCAN_FIELDS, Filter, ResourceApi
from .writes import named_assignees, requested_assignees, single_assignee, write_body

__all__ = ["FrappeClient"]

_FILTER_PAGE_SIZE = 200
_MAX_FILTER_PAGES = 5000
_SITE_OPEN = [
    "Backlog",
    "Todo",
    "In Progress",
    "Open",
]  # the site's late bucket statuses [230]


class FrappeClient:
    def __init__(
        self,
        base_url: str,
        auth: Credential | None,
        *,
        time_zone: str | ZoneInfo,
        flavour: Flavour | None = None,
        http: Http | None = None,
        site_label: str | None = None,
        vocabulary: Vocabulary | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.zone = time_zone if isinstance(time_zone, ZoneInfo) else ZoneInfo(time_zone)
        self.http = http or Http(policy=AddressPolicy())
        self.flavour: Flavour | None = flavour
        self.site_label = site_label
        self.caller = SiteCaller(base_url=base_url, auth=auth, http=self.http, site=site_label)
        self._clock = clock or (lambda: datetime.now(self.zone))
        self._vocabulary = vocabulary
        self._mobile = MobileApi(self.caller, zone=self.zone)
        self._resource = ResourceApi(self.caller, zone=self.zone)
        self._sync_fields()

    @property
    def base_url(self) -> str:
        return self.caller.base_url

    def now(self) -> datetime:
        return self._clock().astimezone(self.zone)

    # -- reads ---------------------------------------------------------------------------------

    def home_tasks(self, *, limit: int = 5) -> list[Task]:
        """Tasks starting today (site zone), any status, as the site orders them [024, 233]."""
        today = self.now().date()
        return self._either(
            lambda: self._mobile.home_tasks(limit=limit),
            lambda: self._resource.list_page(
                filters=_day_range(today, today),
                order_by="modified desc",
                page_length=limit,
            ),
        )

    def filter_tasks_page(
        self,
        *,
        date_from: date | str | None = None,
        date_to: date | str | None = None,
        priorities: Iterable[str] = (),
        statuses: Iterable[str] = (),
        portal_statuses: Iterable[PortalStatus] = (),
        order_by: str | None = None,
        page: int = 1,
        page_size: int = _FILTER_PAGE_SIZE,
    ) -> Page:
        """One page of tasks by start-date range (whole days, ``date_to`` included), priorities
        and site statuses (or portal statuses, mapped through the site's vocabulary)."""
        first = site_date(date_from, field="date_from") if date_from is not None else None
        last = site_date(date_to, field="date_to") if date_to is not None else None
        wanted = list(statuses) + self._statuses_for(portal_statuses)
        wanted_priorities = list(priorities)
        order = checked_order(order_by)
        if page < 1 or not 1 <= page_size <= 1000:
            raise InputRefused("page starts at 1 and page_size is between 1 and 1000.")

        def mobile() -> Page:
            params = {
                "date_from": first.isoformat() if first else None,
                # The site compares start_date <= 'D', i.e. midnight [234]: ask for the next
                # day and drop what starts exactly then, so the last day counts whole.
                "date_to": next_day(last).isoformat() if last else None,
                "importance": comma_list(wanted_priorities, field="priority"),
                "status": comma_list(wanted, field="status"),
                "order_by": order,
            }
            found = self._mobile.filter_page(params=params, page=page, page_size=page_size)
            if last is None:
                return found
            end = datetime.combine(next_day(last), datetime.min.time(), self.zone)
            kept = tuple(t for t in found.tasks if not (t.start_date and t.start_date >= end))
            return dataclasses.replace(found, tasks=kept)

        def plain() -> Page:
            filters: list[Filter] = []
            if first:
                filters.append(["start_date", ">=", day_start(first)])
            if last:
                filters.append(["start_date", "<", day_start(next_day(last))])
            if wanted_priorities:
                filters.append(["priority", "in", wanted_priorities])
            if wanted:
                filters.append(["status", "in", wanted])
            rows = self._resource.list_page(
                filters=filters,
                order_by=order or "modified desc",
                start=(page - 1) * page_size,
                page_length=page_size + 1,  # one more tells whether a next page exists
            )
            return Page(
                tasks=tuple(rows[:page_size]),
                total=None,
                has_next=len(rows) > page_size,
                page=page,
            )

        return self._either(mobile, plain)

    def filter_tasks(
        self,
        *,
        date_from: date | str | None = None,
        date_to: date | str | None = None,
        priorities: Iterable[str] = (),
        statuses: Iterable[str] = (),
        portal_statuses: Iterable[PortalStatus] = (),
        order_by: str | None = None,
        page_size: int = _FILTER_PAGE_SIZE,
    ) -> list[Task]:
        """Every matching task: ``filter_tasks_page`` followed to the last page."""
        criteria = {
            "date_from": date_from,
            "date_to": date_to,
            "priorities": list(priorities),
            "statuses": list(statuses),
            "portal_statuses": list(portal_statuses),
            "order_by": order_by,
            "page_size": page_size,
        }
        seen: dict[int, Task] = {}
        for number in range(1, _MAX_FILTER_PAGES + 1):
            page = self.filter_tasks_page(page=number, **criteria)
            new = [t for t in page.tasks if t.id not in seen]
            for task in new:
                seen[task.id] = task
            # Stop on the last page, and on a page that brings nothing new (a site ignoring
            # both page and offset would otherwise loop forever).
            if not page.has_next or not new:
                break
        return list(seen.values())

    def main_page_buckets(self, *, min_each: int = 5) -> SiteBuckets:
        """The site's own buckets; ``min_each`` is a per-bucket maximum [209]. Its late bucket is
        not the portal's overdue: see ``overdue_scan`` and ``buckets.bucket``."""
        today = self.now().date()

        def plain() -> SiteBuckets:
            def rows(filters: list[Filter], order: str) -> tuple[Task, ...]:
                return tuple(
                    self._resource.list_page(filters=filters, order_by=order, page_length=min_each)
                )

            return SiteBuckets(
                today=rows(_day_range(today, today), "modified desc"),
                late=rows(
                    [
                        ["start_date", "<", day_start(today)],
                        ["status", "in", _SITE_OPEN],
                    ],
                    "start_date asc",
                ),
                upcoming=rows([["start_date", ">=", day_start(next_day(today))]], "start_date asc"),
                min_each=min_each,
            )

        return self._either(lambda: self._mobile.main_page_buckets(min_each=min_each), plain)

    def get_task(self, task_id: int | str) -> Task:
        """One task by id through the generic REST [053, 237] (any flavour)."""
        return self._resource.get(checked_id(task_id))

    def tasks_assigned_to(self, user_id: str, *, open_only: bool = False) -> list[Task]:
        """Tasks whose ``_assign`` holds this site user id [236], all pages. The site's ``like``
        is a substring match; the result keeps exact members only."""
        if not user_id or "%" in user_id:
            raise InputRefused("A site user id is required.")
        filters: list[Filter] = [["_assign", "like", f"%{user_id}%"]]
        if open_only:
            filters.append(["status", "not in", list(FINISHED_STATUSES)])
        found = self._resource.list_all(filters=filters, fields=LIST_FIELDS)
        return [t for t in found if t.is_assigned_to(user_id)]

    def overdue_scan(
        self, now: datetime | None = None, *, due_before: datetime | None = None
    ) -> list[Task]:
        """Every open task that is overdue at ``now``: due date set and passed in the site's zone
        [203, 232, 244] (without ``is set`` undated tasks match too [201]), plus tasks the site
        marked ``late`` that have no due date. Few fields, large pages, the generic list only.
        With ``due_before`` (later than now) the tasks due until then come too."""
        moment = (now or self.now()).astimezone(self.zone)
        bound = max(moment, due_before.astimezone(self.zone)) if due_before else moment
        stamp = bound.strftime("%Y-%m-%d %H:%M:%S")
        due: list[Filter] = [
            ["due_date", "is", "set"],
            ["due_date", "<", stamp],
            ["status", "not in", list(FINISHED_STATUSES)],
        ]
        found = {t.id: t for t in self._resource.list_all(filters=due, fields=SCAN_FIELDS)}
        if self.flavour in (None, "deployed"):
            marked: list[Filter] = [
                ["status", "=", "late"],
                ["due_date", "is", "not set"],
            ]
            for task in self._resource.list_all(filters=marked, fields=SCAN_FIELDS):
                found.setdefault(task.id, task)
        return sorted(found.values(), key=lambda t: (t.due_date or moment, t.id))

    def late_bucket_scan(self, now: datetime | None = None) -> list[Task]:
        """The site's own late bucket, complete, through the generic list: ``start_date`` before
        today (site zone) and an open status other than ``late`` [230, 231] (contract README,
        "Overdue is not the late bucket"). The same set ``main_page_buckets`` returns, without
        its cost: that call loads every task it returns (about 5 ms a task on a real site) and
        cuts each bucket at ``min_each`` [209]."""
        today = (now or self.now()).astimezone(self.zone).date()
        filters: list[Filter] = [
            ["start_date", "<", day_start(today)],
            ["status", "in", _SITE_OPEN],
        ]
        return self._resource.list_all(filters=filters, fields=SCAN_FIELDS)

    def open_tasks(self) -> list[Task]:
        """Every open task with its assignees, all pages, through the cheap generic list: what
        a report snapshot counts."""
        filters: list[Filter] = [["status", "not in", list(FINISHED_STATUSES)]]
        return self._resource.list_all(filters=filters, fields=LIST_FIELDS)

    def finished_since(self, since: datetime) -> list[Task]:
        """Tasks that are done or cancelled and were saved at or after ``since`` (site zone).
        A completion is a save, so it moves ``modified``; the periodic switch to ``late`` is
        raw SQL and does not [244], so this never mistakes an overdue flip for a completion."""
        stamp = since.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")
        filters: list[Filter] = [
            ["status", "in", list(FINISHED_STATUSES)],
            ["modified", ">=", stamp],
        ]
        return self._resource.list_all(filters=filters, fields=LIST_FIELDS)

    def list_tasks(
        self,
        *,
        filters: Sequence[Filter] = (),
        fields: Sequence[str] = LIST_FIELDS,
        order_by: str = "name asc",
        start: int = 0,
        page_length: int = 100,
    ) -> list[Task]:
        """One page of the generic list with Frappe filter triples."""
        if start < 0 or not 1 <= page_length <= 1000:
            raise InputRefused("start is >= 0 and page_length between 1 and 1000.")
        return self._resource.list_page(
            filters=filters,
            fields=fields,
            order_by=checked_order(order_by) or "name asc",
            start=start,
            page_length=page_length,
        )

    def count(self, *, filters: Sequence[Filter] = ()) -> int:
        return self._resource.count(filters=filters)  # [204]

    def meta(self) -> Vocabulary:
        """The site's statuses, priorities and task types [200]; cached on this client."""
        self._vocabulary = vocabulary_from_meta(self._resource.meta(), site=self.site_label)
        self._sync_fields()
        return self._vocabulary

    def vocabulary(self) -> Vocabulary:
        return self._vocabulary or self.meta()

    def logged_user(self) -> str:
        """The site user id behind the credential [006, 238]; matches ``_assign`` entries."""
        body = self.caller.method("frappe.auth.get_logged_user")
        user = message_of(body, site=self.site_label)
        if not isinstance(user, str) or not user:
            raise SiteError("The site did not say who is logged in.", site=self.site_label)
        return user

    def probe(self) -> Capabilities:
        from .probe import probe

        return probe(self)

    # -- writes --------------------------------------------------------------------------------

    def create_task(self, **fields: Any) -> Task:
        body = write_body(fields, zone=self.zone)
        return self._either(
            lambda: self._assigned(self._mobile.create(self._mobile_body(body)), body),
            lambda: self._resource.create(single_assignee(body)),
        )

    def edit_task(
        self,
        task_id: int | str,
        *,
        expected_modified: datetime | None = None,
        **changed: Any,
    ) -> Task:
        """Change only the given fields. With ``expected_modified`` (the ``modified`` of the copy
        the user edited) an edit on an outdated copy is refused with EditConflict."""
        ident = checked_id(task_id)
        body = write_body(changed, zone=self.zone)
        if not body:
            raise InputRefused("Nothing to change.")
        if expected_modified is not None:
            current = self.get_task(ident)
            if current.modified != expected_modified:
                raise EditConflict(
                    "The task was changed on the site since it was loaded.",
                    current=current,
                    site=self.site_label,
                )
        return self._either(
            lambda: self._assigned(self._mobile.edit(ident, self._mobile_body(body)), body),
            lambda: self._resource.update(ident, single_assignee(body)),
        )

    def update_status(self, task_id: int | str, status: str) -> Task:
        """Set the site status (a value of the site's vocabulary, e.g. from
        ``buckets.site_status``). Returns the compact task the site answers [041]."""
        ident = checked_id(task_id)
        if not isinstance(status, str) or not status:
            raise InputRefused("A status is required.")
        return self._either(
            lambda: self._mobile.update_status(ident, status),
            lambda: self._resource.update(ident, {"status": status}),
        )

    def delete_task(self, task_id: int | str) -> None:
        """Delete; a task that is already gone counts as deleted [049]."""
        ident = checked_id(task_id)
        self._either(lambda: self._mobile.delete(ident), lambda: self._resource.delete(ident))

    # -- plumbing ------------------------------------------------------------------------------

    def _either(self, mobile: Callable[[], Any], plain: Callable[[], Any]) -> Any:
        """mobile_api unless the site is plain; an unknown flavour is learned on first use."""
        if self.flavour == "plain":
            return plain()
        try:
            result = mobile()
        except MethodMissing:
            if self.flavour is not None:
                raise
            self.flavour = "plain"
            self._sync_fields()
            return plain()
        if self.flavour is None and self._mobile.seen_flavour in (
            "deployed",
            "documented",
        ):
            self.flavour = self._mobile.seen_flavour  # type: ignore[assignment]
        return result

    def _sync_fields(self) -> None:
        # Upstream Frappe CRM may lack task_type; asking a list for a missing column fails.
        known = self._vocabulary is not None and bool(self._vocabulary.task_types)
        self._resource.with_task_type = self.flavour != "plain" or known

    def _statuses_for(self, portal: Iterable[PortalStatus]) -> list[str]:
        wanted = list(portal)
        return site_statuses(wanted, self.vocabulary()) if wanted else []

    def _mobile_body(self, body: dict[str, Any]) -> dict[str, Any]:
        # The documented reference knows one ``assigned_to`` (seeds/000); only deployed sites
        # take ``assigned_to_list`` [012, 248].
        return single_assignee(body) if self.flavour == "documented" else body

    def _assigned(self, answer: Task, body: dict[str, Any]) -> Task:
        """After a write that (re)assigns, the answer's ``modified`` is older than the stored one
        [235/236, 248/249], and after an empty list it still names the old assignee [251/252].
        Read the task again through the list: its ``_assign`` says who is assigned now (named
        with the emails and names the answer gave), so the caller can tell whether the site did
        what was asked."""
        ids = requested_assignees(body)
        if ids is None:
            return answer
        try:
            fresh = self._resource.get_listed(checked_id(answer.id))
        except SiteError:
            # No generic read permission: the ids asked for, named from the answer, are the
            # best evidence there is.
            return dataclasses.replace(answer, assignees=named_assignees(ids, answer.assignees))
        now = [a.user_id for a in fresh.assignees if a.user_id]
        return dataclasses.replace(
            answer, modified=fresh.modified, assignees=named_assignees(now, answer.assignees)
        )


def _day_range(first: date, last: date) -> list[Filter]:
    return [
        ["start_date", ">=", day_start(first)],
        ["start_date", "<", day_start(next_day(last))],
    ]
