"""``crm.api.mobile_api.*`` on deployed and documented sites.

All endpoints accept GET and POST [047, 051]; reads go as GET with query parameters, writes as
POST with a JSON body (query parameters are ignored when a JSON body is sent). Unknown parameters
are dropped by the site, which lets one request serve both flavours' paging: deployed pages with
``page`` and ignores ``offset`` [206, 207]; documented pages with ``offset``.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from ..errors import MethodMissing, NotFound, SiteError, UnexpectedAnswer
from ..models import Page, SiteBuckets, Task
from .calls import SiteCaller
from .parse import filter_envelope, message_of, parse_task, task_list

API = "crm.api.mobile_api."


class MobileApi:
    def __init__(self, caller: SiteCaller, *, zone: ZoneInfo):
        self.caller = caller
        self.zone = zone
        self.seen_flavour: str | None = None

    @property
    def site(self) -> str | None:
        return self.caller.site

    def _read(self, endpoint: str, params: dict[str, Any]) -> Any:
        return message_of(self.caller.method(API + endpoint, params=params), site=self.site)

    def _write(self, endpoint: str, body: dict[str, Any]) -> Any:
        answer = self.caller.method(API + endpoint, verb="POST", json_body=body, write=True)
        # A 200 may also carry _server_messages ("Already in ... ToDo list" [235]): informative.
        return message_of(answer, site=self.site)

    def home_tasks(self, *, limit: int) -> list[Task]:
        message = self._read("home_tasks", {"limit": limit})  # [024, 233, 240]
        if not isinstance(message, dict):
            raise UnexpectedAnswer("home_tasks answered in an unknown shape.", site=self.site)
        return task_list(message.get("today", []), zone=self.zone, site=self.site)

    def filter_page(self, *, params: dict[str, Any], page: int, page_size: int) -> Page:
        query = {
            **params,
            "limit": page_size,
            "page": page,  # deployed [028, 206]
            "offset": (page - 1) * page_size,  # documented; ignored by deployed [207]
        }
        rows, paging, flavour = filter_envelope(self._read("filter_tasks", query), site=self.site)
        self.seen_flavour = flavour
        tasks = tuple(task_list(rows, zone=self.zone, site=self.site))
        has_next = paging.get("has_next")
        total = paging.get("total")
        return Page(
            tasks=tasks,
            total=int(total) if isinstance(total, int) else None,
            has_next=bool(has_next) if isinstance(has_next, bool) else len(tasks) >= page_size,
            page=page,
        )

    def main_page_buckets(self, *, min_each: int) -> SiteBuckets:
        message = self._read("main_page_buckets", {"min_each": min_each})  # [032, 209, 230]
        if not isinstance(message, dict):
            raise UnexpectedAnswer(
                "main_page_buckets answered in an unknown shape.", site=self.site
            )

        def tasks(key: str) -> tuple[Task, ...]:
            return tuple(task_list(message.get(key) or [], zone=self.zone, site=self.site))

        return SiteBuckets(
            today=tasks("today"),
            late=tasks("late"),
            upcoming=tasks("upcoming"),
            min_each=min_each,
        )

    def create(self, fields: dict[str, Any]) -> Task:
        return parse_task(self._write("create_task", fields), zone=self.zone, site=self.site)

    def edit(self, ident: int, fields: dict[str, Any]) -> Task:
        answer = self._write("edit_task", {"task_id": ident, **fields})  # [034]
        return parse_task(answer, zone=self.zone, site=self.site)

    def update_status(self, ident: int, status: str) -> Task:
        # The answer is the compact task [041]: no description, task type or creation.
        answer = self._write("update_status", {"task_id": ident, "status": status})
        return parse_task(answer, zone=self.zone, site=self.site)

    def delete(self, ident: int) -> None:
        # ok also for a task that does not exist [049]; the documented reference answers 404 for
        # one, and a string for a deleted one. Gone is gone: both count as deleted.
        try:
            answer = self._write("delete_task", {"task_id": ident})
        except MethodMissing:
            raise
        except NotFound:
            return
        if isinstance(answer, dict) and answer.get("ok") is False:
            raise SiteError(str(answer.get("message") or "The site did not delete the task."))
