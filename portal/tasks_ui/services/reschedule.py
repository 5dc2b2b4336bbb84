"""Moving a task to another day (the calendar): its due date changes, its time of day stays.

Days are the reader's (the calendar shows times on the reader's clock): a task due at 23:00 in
Riyadh moved to the 9th by a reader in Cairo is due at 22:00 on the 9th on their clock, that is
23:00 on the 9th in Riyadh. The task is read afresh first, and the edit carries the fresh
``modified``, so it is one more ``task_edit`` (checked against the site's answer,
audited, refused on a read-only account) rather than a write path of its own.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.sites.backends.errors import InputRefused
from portal.sites.backends.types import Task
from portal.tasks_ui.selectors.calendar import reader_day
from portal.tasks_ui.selectors.sources import Source
from portal.tasks_ui.selectors.task import task_read
from portal.tasks_ui.services.writes import task_edit


def new_due(task: Task, day: date, zone: tzinfo | None = None) -> datetime:
    """The due date on ``day`` of the reader's clock (``zone``, the active one by default) at
    the time of day the reader sees, naive on the site's clock as edits send it; a plain due day
    (``Task.due_is_day``) is the day itself, at 00:00 as the edit form sends it."""
    if task.due_date is None or task.due_is_day:
        return datetime.combine(day, time())
    zone = zone or timezone.get_current_timezone()
    seen = task.due_date.astimezone(zone)
    moved = datetime.combine(day, seen.time().replace(tzinfo=None), tzinfo=zone)
    return moved.astimezone(task.due_date.tzinfo).replace(tzinfo=None)


def task_reschedule(*, user: User, source: Source, task_id: str, day: date) -> Task:
    """The task as the site answered the move (or as it is, when it is due that day already).
    Raises the site's errors as ``task_edit`` does; ``WriteNotApplied`` when the answer shows
    another due date."""
    task = task_read(source, task_id)
    if task.due_date is not None and reader_day(task) == day:
        return task
    due = new_due(task, day)
    if task.start_date is not None and due < task.start_date.replace(tzinfo=None):
        # Sites take a due date before the start silently; the edit form refuses it too.
        raise InputRefused(
            _("the new due date would be before the task's start: change the start first."),
            site=source.site.name,
        )
    return task_edit(
        user=user,
        source=source,
        task_id=task_id,
        expected_modified=task.modified,
        changed={"due_date": due},
    )
