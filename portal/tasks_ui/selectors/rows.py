"""A task as a row of a page across sites, and the one order rows are shown in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.urls import reverse

from portal.sites.backends.types import Bucket, Task

# Sites name their priorities differently (EspoCRM: Low / Normal / High / Urgent): Urgent ranks
# above High, Normal with Medium.
PRIORITY_RANK = {"urgent": -1, "high": 0, "medium": 1, "normal": 1, "low": 2}
_FAR = datetime.max.replace(year=9998)


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str  # a full name when the portal knows one, else the id or email


@dataclass(frozen=True)
class Row:
    site_id: int
    site_name: str
    task: Task
    bucket: Bucket | None
    people: tuple[Person, ...]
    can_write: bool
    read_only_reason: str = ""

    @property
    def key(self) -> str:
        """What a bulk form sends for this row."""
        return f"{self.site_id}:{self.task.id}"

    @property
    def dom_id(self) -> str:
        return f"task-{self.site_id}-{self.task.id}"

    # Addresses of the row's pages and actions, built without a URL reversal each: a page
    # renders fifty rows with five addresses apiece.
    @property
    def url(self) -> str:
        return task_path(self.site_id, self.task.id)

    @property
    def edit_url(self) -> str:
        return task_path(self.site_id, self.task.id, "edit/")

    @property
    def status_url(self) -> str:
        return task_path(self.site_id, self.task.id, "status/")

    @property
    def delete_url(self) -> str:
        return task_path(self.site_id, self.task.id, "delete/")


@lru_cache(maxsize=1)
def _task_prefix() -> str:
    return reverse("tasks_ui:task", args=[1, 2]).removesuffix("1/2/")


def task_path(site_id: int, task_id: str, action: str = "") -> str:
    """``/tasks/<site_id>/<task_id>/<action>`` (the ``tasks_ui:task`` route and its actions)."""
    return f"{_task_prefix()}{int(site_id)}/{task_id}/{action}"


def _moment(value: datetime | None) -> float:
    return value.timestamp() if value else _FAR.timestamp()


def row_order(row: Row) -> tuple:
    """High → Medium → Low (unknown priorities after), then due date (none last), then start
    date, site and id: a total order, so pages across sites never repeat or skip a row."""
    task = row.task
    return (
        PRIORITY_RANK.get((task.priority or "").strip().lower(), 3),
        _moment(task.due_date),
        _moment(task.start_date),
        row.site_name.lower(),
        row.site_id,
        task.id,
    )


def person_name(ident: str, names: dict[str, str], *, email: str | None = None) -> str:
    """How a site user reads on every page: the name the portal knows for them (by user id,
    then email), else their id. Never the name one answer happened to carry: a list read
    names people by email only, a full read by name, and the same person must read the same
    in both (``people_known`` learns a name from the first answer that has one)."""
    return names.get(ident.lower()) or (email and names.get(email.lower())) or ident


def people_of(task: Task, names: dict[str, str]) -> tuple[Person, ...]:
    out = []
    for assignee in task.assignees:
        ident = assignee.user_id or assignee.email or ""
        name = person_name(ident, names, email=assignee.email)
        out.append(Person(user_id=ident, name=name))
    return tuple(out)


def for_person(task: Task, site_user_id: str) -> bool:
    """Whether the task is assigned to this site user: by user id, or by email where a site's
    answer named assignees by email only (mobile_api [012, 235]; ``Assignee.is_user``)."""
    return any(assignee.is_user(site_user_id) for assignee in task.assignees)
