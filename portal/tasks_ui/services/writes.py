"""Every change the portal makes to a task, made with the person's own connection.

Each write: refused up front when the account is known to be read-only; sent holding one of the
site's slots; audited (who, site, task, what changed, which credential, and the error when it
failed); and followed by ``site_cache_bump`` so no page serves the old answer afterwards. A 403
on a write is remembered on the connection (``can_write = False``): pages then show the site's
tasks read-only, saying why, instead of offering buttons that fail.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from portal.sites.audit import audit_record
from portal.sites.frappe import (
    EditConflict,
    FrappeClient,
    FrappeError,
    InputRefused,
    NoPermission,
    Task,
    site_status,
)
from portal.sites.frappe.models import PortalStatus
from portal.sites.models import Connection
from portal.sites.services.cache import site_cache_bump
from portal.tasks_ui.labels import status_label
from portal.tasks_ui.selectors.sources import Source, read_only_reason, site_call

T = TypeVar("T")


class ReadOnly(FrappeError):
    """The account is known to have no right to change tasks on this site."""


def _credential(source: Source) -> str:
    return f"oauth connection of {source.site_user_id}"


def _write(
    *,
    user: User,
    source: Source,
    action: str,
    task_id: int | str,
    changes: dict[str, Any],
    send: Callable[[FrappeClient], T],
) -> T:
    def audit(*, error: str = "", done_id: int | str = task_id) -> None:
        audit_record(
            user=user, site=source.site, action=action, task_id=done_id, changes=changes,
            credential=_credential(source), ok=not error, error=error,
        )  # fmt: skip

    reason = read_only_reason(source.connection)
    if reason:
        audit(error="refused in the portal: the account was refused writes before")
        raise ReadOnly(reason, site=source.site.name, status=403)
    try:
        result = site_call(source, send)
    except EditConflict:
        # Nothing was written: the person sees the fresh values and decides.
        audit(error="refused: the task changed on the site since it was loaded")
        raise
    except FrappeError as error:
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
    audit(done_id=task_id if task_id else getattr(result, "id", ""))
    site_cache_bump(source.site.pk)
    return result


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in changes.items()}


def task_create(*, user: User, source: Source, fields: dict[str, Any]) -> Task:
    return _write(
        user=user,
        source=source,
        action="task_create",
        task_id="",
        changes=_jsonable(fields),
        send=lambda client: client.create_task(**fields),
    )


def task_edit(
    *,
    user: User,
    source: Source,
    task_id: int,
    expected_modified: datetime | None,
    changed: dict[str, Any],
    action: str = "task_edit",
) -> Task:
    """Sends only ``changed``; refused with ``EditConflict`` (carrying the fresh task) when the
    task's ``modified`` is no longer ``expected_modified``."""
    return _write(
        user=user,
        source=source,
        action=action,
        task_id=task_id,
        changes=_jsonable(changed),
        send=lambda client: client.edit_task(
            task_id, expected_modified=expected_modified, **changed
        ),
    )


def task_status_set(*, user: User, source: Source, task_id: int, status: PortalStatus) -> Task:
    """Sets the site's own value for a portal status (``buckets.site_status``)."""

    def send(client: FrappeClient) -> Task:
        try:
            value = site_status(status, client.vocabulary())
        except ValueError:
            raise InputRefused(
                _("%(site)s has no status meaning “%(status)s”.")
                % {"site": source.site.name, "status": status_label(status)},
                site=source.site.name,
            ) from None
        return client.update_status(task_id, value)

    return _write(
        user=user,
        source=source,
        action="task_status",
        task_id=task_id,
        changes={"status": status},
        send=send,
    )


def task_delete(*, user: User, source: Source, task_id: int, title: str = "") -> None:
    changes = {"title": title} if title else {}
    _write(
        user=user,
        source=source,
        action="task_delete",
        task_id=task_id,
        changes=changes,
        send=lambda client: client.delete_task(task_id),
    )


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
