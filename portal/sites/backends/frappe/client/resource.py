"""Frappe's generic REST (``/api/resource/CRM Task``, ``frappe.client.*``): the cheap list path
(some 50 times cheaper per row than mobile_api [README, "Measured"]), the only path that gives
``_assign``, and the whole task API of ``plain`` sites that have no mobile_api [245, 246]."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import InputRefused, NotFound
from ..models import Task
from .calls import META_TASK, RESOURCE_TASK, SiteCaller
from .parse import data_of, message_of, parse_task, task_list

# Fields read in lists. ``_assign`` is the JSON list of assigned user ids [236]; the single-doc
# read does not return it [237, 249], so lists are where assignees are complete.
LIST_FIELDS = (
    "name", "title", "description", "status", "priority", "task_type", "start_date",
    "due_date", "assigned_to", "_assign", "modified", "creation", "owner",
)  # fmt: skip
SCAN_FIELDS = ("name", "title", "status", "priority", "task_type", "start_date", "due_date",
               "_assign", "modified")  # fmt: skip
MAX_PAGE = 500
MAX_PAGES = 2000  # 1,000,000 rows: a guard against a site that ignores paging
_FIELD = re.compile(r"^_?[a-z][a-z0-9_]{0,60}$")
_OPS = {
    "=",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "like",
    "not like",
    "in",
    "not in",
    "is",
    "between",
}

Filter = Sequence[Any]


def check_filters(filters: Sequence[Filter]) -> list[list[Any]]:
    """[field, operator, value] triples with plain field names and known operators only."""
    out = []
    for item in filters:
        if len(item) != 3 or not isinstance(item[0], str) or not _FIELD.match(item[0]):
            raise InputRefused(f"Unsupported filter: {str(item)[:60]}.")
        if str(item[1]).lower() not in _OPS:
            raise InputRefused(f"Unsupported filter operator: {str(item[1])[:20]}.")
        out.append([item[0], str(item[1]).lower(), item[2]])
    return out


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))  # as Frappe's own clients send it


class ResourceApi:
    def __init__(self, caller: SiteCaller, *, zone: ZoneInfo, with_task_type: bool = True):
        self.caller = caller
        self.zone = zone
        self.with_task_type = with_task_type

    @property
    def site(self) -> str | None:
        return self.caller.site

    def fields(self, wanted: Sequence[str]) -> list[str]:
        return [f for f in wanted if self.with_task_type or f != "task_type"]

    # -- reads -------------------------------------------------------------------------------

    def list_page(
        self,
        *,
        filters: Sequence[Filter] = (),
        fields: Sequence[str] = LIST_FIELDS,
        order_by: str = "name asc",
        start: int = 0,
        page_length: int = MAX_PAGE,
    ) -> list[Task]:
        """One page [203]: ``limit_start``/``limit_page_length``; ids ascend unless ordered
        [068]."""
        params = {
            "fields": _compact(self.fields(fields)),
            "filters": _compact(check_filters(filters)) if filters else None,
            "order_by": order_by,
            "limit_start": start or None,
            "limit_page_length": page_length,
        }
        body = self.caller.call("GET", RESOURCE_TASK, params=params)
        return task_list(data_of(body, site=self.site), zone=self.zone, site=self.site)

    def list_all(
        self, *, filters: Sequence[Filter] = (), fields: Sequence[str] = LIST_FIELDS
    ) -> list[Task]:
        """Every matching task, page by page in id order (stable under offset paging)."""
        seen: dict[int, Task] = {}
        for rows in self._pages(filters=filters, fields=fields):
            for task in rows:
                seen.setdefault(task.id, task)
        return list(seen.values())

    def _pages(self, *, filters: Sequence[Filter], fields: Sequence[str]) -> Iterator[list[Task]]:
        for number in range(MAX_PAGES):
            rows = self.list_page(
                filters=filters,
                fields=fields,
                start=number * MAX_PAGE,
                page_length=MAX_PAGE,
            )
            yield rows
            if len(rows) < MAX_PAGE:
                return

    def get(self, ident: int) -> Task:
        """One task [053, 237, 249, 252]. ``assigned_to`` there is one user id; with several
        assignees only a list read (``_assign``) names them all."""
        body = self.caller.call("GET", f"{RESOURCE_TASK}/{ident}")
        return parse_task(data_of(body, site=self.site), zone=self.zone, site=self.site)

    def get_listed(self, ident: int) -> Task:
        """One task through the list, with ``_assign``: who is assigned, all of them, and the
        stored ``modified`` (what a write's answer does not always say [235/236, 251/252])."""
        rows = self.list_page(filters=[["name", "=", ident]], fields=LIST_FIELDS, page_length=1)
        if not rows:
            raise NotFound(f"CRM Task {ident} not found", site=self.site, status=404)
        return rows[0]

    def count(self, *, filters: Sequence[Filter] = ()) -> int:
        params = {"doctype": "CRM Task"}
        if filters:
            params["filters"] = _compact(check_filters(filters))
        value = message_of(
            self.caller.method("frappe.client.get_count", params=params), site=self.site
        )
        return int(value)

    def meta(self) -> Any:
        return data_of(self.caller.call("GET", META_TASK), site=self.site)

    # -- writes (plain sites) -----------------------------------------------------------------

    def create(self, fields: dict[str, Any]) -> Task:
        body = self.caller.call("POST", RESOURCE_TASK, json_body=fields, write=True)
        return parse_task(data_of(body, site=self.site), zone=self.zone, site=self.site)

    def update(self, ident: int, fields: dict[str, Any]) -> Task:
        body = self.caller.call("PUT", f"{RESOURCE_TASK}/{ident}", json_body=fields, write=True)
        return parse_task(data_of(body, site=self.site), zone=self.zone, site=self.site)

    def delete(self, ident: int) -> None:
        try:
            self.caller.call("DELETE", f"{RESOURCE_TASK}/{ident}", write=True)
        except NotFound:
            pass  # already gone: the same outcome mobile_api reports for a missing task [049]
