"""Every change the portal makes to a task, made with the person's own connection.

Each write: refused up front when the account is known to be read-only; sent holding one of the
site's slots; checked against the site's answer (a 200 that does not show the change is a
refusal: ``portal.sites.write_outcome``); audited (who, site, task, what changed, which
credential, and the error when it failed, with what the site answered); and followed by
``site_cache_bump`` so no page serves the old answer afterwards, and by ``task_changed`` so
open pages read the task again (portal/live). A 403 on a write is remembered
on the connection (``can_write = False``): pages then show the site's tasks read-only, saying
why, instead of offering buttons that fail.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from portal.live.events import task_changed
from portal.sites.audit import audit_record
from portal.sites.backends.base import TaskBackend, TaskChanges
from portal.sites.backends.errors import (
    EditConflict,
    InputRefused,
    NoPermission,
    NotFound,
    SiteError,
)
from portal.sites.backends.types import PortalStatus, Task
from portal.sites.buckets import site_status
from portal.sites.models import Connection
from portal.sites.services.cache import site_cache_bump
from portal.sites.write_outcome import WriteNotApplied, write_checked
from portal.tasks_ui.labels import status_label
from portal.tasks_ui.selectors.sources import Source, read_only_reason, site_call

T = TypeVar("T")


class ReadOnly(SiteError):
    """The account is known to have no right to change tasks on this site."""


class AlreadyGone(NotFound):
    """A delete found nothing to delete: the task was deleted before (on the site, or by
    someone else). Sites answer such a delete like a successful one [049]."""


# What open pages are told a successful write was (portal/live); any other action changed it.
_LIVE_KINDS = {"task_create": "created", "task_delete": "deleted"}


def _credential(source: Source) -> str:
    return f"oauth connection of {source.site_user_id}"


def _write(
    *,
    user: User,
    source: Source,
    action: str,
    task_id: str,
    changes: dict[str, Any],
    send: Callable[[TaskBackend], T],
    asked: Callable[[T], TaskChanges] | None = None,
) -> T:
    """``asked`` gives the changes the answer must show (from the answer itself, for a
    create whose status the site may set): a difference makes the write a failure."""

    def audit(*, error: str = "", done_id: int | str = task_id, more: dict | None = None) -> None:
        audit_record(
            user=user, site=source.site, action=action, task_id=done_id,
            changes={**changes, **(more or {})}, credential=_credential(source), ok=not error,
            error=error,
        )  # fmt: skip

    reason = read_only_reason(source.connection)
    if reason:
        audit(error="refused in the portal: the account was refused writes before")
        raise ReadOnly(reason, site=source.site.name, status=403)

    def send_checked(backend: TaskBackend) -> T:
        result = send(backend)
        if asked is not None and isinstance(result, Task):
            write_checked(
                backend=backend, asked=asked(result), answer=result, site_name=source.site.name
            )
        return result

    try:
        result = site_call(source, send_checked)
    except EditConflict:
        # Nothing was written: the person sees the fresh values and decides.
        audit(error="refused: the task changed on the site since it was loaded")
        raise
    except WriteNotApplied as refused:
        answered = {d.field: d.answered for d in refused.differences}
        audit(error=refused.audit_text, more={"site answered": answered})
        site_cache_bump(source.site.pk)
        raise
    except AlreadyGone as gone:
        audit(error=gone.message)
        site_cache_bump(source.site.pk)
        raise
    except SiteError as error:
        if isinstance(error, NoPermission):
            Connection.objects.filter(pk=source.connection.pk).update(can_write=False)
            source.connection.can_write = False
        audit(error=error.message)
        # A write that may have happened (a 500, a timeout after sending) must not be served
        # from the cache as if it had not.
        site_cache_bump(source.site.pk)
        raise
    if source.connection.can_write is None:
        Connection.objects.filter(pk=source.connection.pk).update(can_write=True)
        source.connection.can_write = True
    done_id = task_id if task_id else getattr(result, "id", "")
    audit(done_id=done_id)
    site_cache_bump(source.site.pk)
    task_changed(source.site.pk, str(done_id), kind=_LIVE_KINDS.get(action, "changed"))
    return result


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in changes.items()}


def task_create(*, user: User, source: Source, fields: dict[str, Any]) -> Task:
    """``fields`` in the portal's names (``TaskChanges.from_fields``)."""
    changes = TaskChanges.from_fields(fields)

    def asked(answer: Task) -> TaskChanges:
        # A due date already passed makes some sites store the new task in their own overdue
        # status (Frappe's `late` [010, 243]): the site classifying it, not a refusal.
        if "due_date" in fields and answer.site_says_overdue:
            return changes.without("status")
        return changes

    return _write(
        user=user,
        source=source,
        action="task_create",
        task_id="",
        changes=_jsonable(fields),
        send=lambda backend: backend.create(changes),
        asked=asked,
    )


def task_edit(
    *,
    user: User,
    source: Source,
    task_id: str,
    expected_modified: datetime | None,
    changed: dict[str, Any],
    action: str = "task_edit",
) -> Task:
    """Sends only ``changed``; refused with ``EditConflict`` (carrying the fresh task) when the
    task's ``modified`` is no longer ``expected_modified``."""
    changes = TaskChanges.from_fields(changed)
    return _write(
        user=user,
        source=source,
        action=action,
        task_id=task_id,
        changes=_jsonable(changed),
        send=lambda backend: backend.edit(task_id, changes, expected_modified=expected_modified),
        asked=lambda _answer: changes,
    )


def task_status_set(*, user: User, source: Source, task_id: str, status: PortalStatus) -> Task:
    """Sets the site's own value for a portal status (``buckets.site_status``)."""
    sent: dict[str, TaskChanges] = {}

    def send(backend: TaskBackend) -> Task:
        try:
            value = site_status(status, backend.vocabulary())
        except ValueError:
            raise InputRefused(
                _("%(site)s has no status meaning “%(status)s”.")
                % {"site": source.site.name, "status": status_label(status)},
                site=source.site.name,
            ) from None
        sent["status"] = TaskChanges(status=value)
        return backend.set_status(task_id, value)

    return _write(
        user=user,
        source=source,
        action="task_status",
        task_id=task_id,
        changes={"status": status},
        send=send,
        asked=lambda _answer: sent["status"],
    )


def task_status_set_many(
    *, user: User, source: Source, task_ids: list[str], status: PortalStatus
) -> dict[str, Task | Exception]:
    """``task_status_set`` for many tasks of one site in one call where the site has one
    (EspoCRM's MassAction): each task's answer is then checked, audited and failed on its own,
    exactly as one status change would be. Per id: the task as the site answered, or the
    error a single change would have raised."""
    try:
        value = site_call(source, lambda backend: site_status(status, backend.vocabulary()))
    except ValueError:
        refused = InputRefused(
            _("%(site)s has no status meaning “%(status)s”.")
            % {"site": source.site.name, "status": status_label(status)},
            site=source.site.name,
        )
        return dict.fromkeys(task_ids, refused)
    if read_only_reason(source.connection):
        answers: dict[str, Task | SiteError] = {}  # each is refused, and audited, below
    else:
        try:
            answers = site_call(source, lambda backend: backend.set_status_many(task_ids, value))
        except SiteError as error:
            answers = dict.fromkeys(task_ids, error)
    outcomes: dict[str, Task | Exception] = {}

    def answered(task_id: str) -> Callable[[TaskBackend], Task]:
        def send(_backend: TaskBackend) -> Task:
            answer = answers.get(task_id)
            if isinstance(answer, Exception):
                raise answer
            if answer is None:
                raise NotFound(_("%(site)s did not answer for this task.")
                               % {"site": source.site.name}, site=source.site.name)  # fmt: skip
            return answer

        return send

    for task_id in task_ids:
        try:
            outcomes[task_id] = _write(
                user=user, source=source, action="task_status", task_id=task_id,
                changes={"status": status}, send=answered(task_id),
                asked=lambda _answer: TaskChanges(status=value),
            )  # fmt: skip
        except Exception as error:  # noqa: BLE001 - each task's outcome is its own
            outcomes[task_id] = error
    return outcomes


def task_delete(*, user: User, source: Source, task_id: str) -> Task | None:
    """Deletes the task and reads it again: deleted means the site no longer has it. The title
    recorded is the site's own (read before deleting), never one a request supplied. Returns the
    task as it was, or None when the account may delete but not read it."""
    found: dict[str, Task | None] = {"task": None}
    changes: dict[str, Any] = {}

    def send(backend: TaskBackend) -> None:
        try:
            before = backend.get(task_id)
        except NotFound:
            raise AlreadyGone(
                _("This task was already gone from %(site)s.") % {"site": source.site.name},
                site=source.site.name,
                status=404,
            ) from None
        except NoPermission:
            before = None  # may delete without reading the generic list: nothing to compare
        found["task"] = before
        if before is not None:
            changes["title"] = before.title
        backend.delete(task_id)
        if before is None:
            return
        try:
            still = backend.get(task_id)
        except NotFound:
            return
        raise WriteNotApplied(
            _("%(site)s answered without deleting the task: it is still there.")
            % {"site": source.site.name},
            task=still,
            differences=(),
            site=source.site.name,
        )

    _write(
        user=user,
        source=source,
        action="task_delete",
        task_id=task_id,
        changes=changes,
        send=send,
    )
    return found["task"]


def write_access_recheck(*, user: User, source: Source) -> None:
    """Forget a remembered refusal (say, after an admin gave the account a CRM role): the next
    change tries again and tells."""
    Connection.objects.filter(pk=source.connection.pk, user=user).update(can_write=None)
    source.connection.can_write = None
    audit_record(
        user=user,
        site=source.site,
        action="write_access_recheck",
        credential=_credential(source),
    )
