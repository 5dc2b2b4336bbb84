"""Tasks and rows as the API answers them (the pages' ``Row`` and ``Task``, as data)."""

from __future__ import annotations

from portal.sites.backends.types import Task
from portal.sites.models import Site
from portal.tasks_ui.fanout import SiteOutcome
from portal.tasks_ui.selectors.rows import Person, Row


def task_data(
    task: Task,
    *,
    site: Site,
    bucket: str | None,
    people: tuple[Person, ...],
    can_write: bool,
    read_only_reason: str = "",
) -> dict:
    return {
        "site_id": site.pk,
        "site_name": site.name,
        "id": task.id,
        "title": task.title or "",
        "description": task.description,
        "status": task.status or "",
        "portal_status": task.portal_status,
        "priority": task.priority,
        "task_type": task.task_type,
        "start_date": task.start_date,
        "due_date": task.due_date,
        "due_is_day": task.due_is_day,
        "modified": task.modified,
        "bucket": bucket,
        "assignees": [{"user_id": p.user_id, "name": p.name} for p in people],
        "can_write": can_write,
        "read_only_reason": read_only_reason,
    }


class _SiteRef:
    """A row names its site by id and name only: enough for ``task_data``."""

    def __init__(self, pk: int, name: str) -> None:
        self.pk, self.name = pk, name


def row_data(row: Row) -> dict:
    return task_data(
        row.task,
        site=_SiteRef(row.site_id, row.site_name),  # type: ignore[arg-type]
        bucket=row.bucket,
        people=row.people,
        can_write=row.can_write,
        read_only_reason=row.read_only_reason,
    )


def problem_data(outcome: SiteOutcome) -> dict:
    return {
        "site_id": outcome.site.pk,
        "site_name": outcome.site.name,
        "code": outcome.problem.kind,
        "detail": outcome.problem.message,
    }
