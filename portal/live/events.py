"""Telling open pages that a task changed: one call from wherever a task changes.

``task_changed(site_id, task_id)`` after a change the portal made or heard of; ``kind`` is
``changed`` (the default), ``created`` or ``deleted``. The event leaves when the caller's
transaction commits (at once outside one), and a transport that fails is logged, never raised:
the change itself has happened, and pages show it on their next load.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from portal.live.hub import Event, publish
from portal.task_ids import task_id_valid

log = logging.getLogger(__name__)

CHANGED, CREATED, DELETED = "changed", "created", "deleted"
KINDS = (CHANGED, CREATED, DELETED)


def task_changed(site_id: int, task_id: str, *, kind: str = CHANGED) -> None:
    tasks_changed(site_id, [task_id], kind=kind)


def tasks_changed(site_id: int, task_ids: Iterable[str], *, kind: str = CHANGED) -> None:
    """Several tasks of one site (a webhook's batch, a scan's findings), in one publish."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of change: {kind!r}")
    # Ids become event names in the browser: only the portal's own id shape goes out.
    events = list(
        dict.fromkeys(
            Event(site_id=int(site_id), task_id=str(task_id), kind=kind)
            for task_id in task_ids
            if task_id_valid(str(task_id))
        )
    )
    if events:
        transaction.on_commit(lambda: _send(events))


def _send(events: list[Event]) -> None:
    try:
        publish(events)
    except Exception as error:  # noqa: BLE001 - a lost event must not fail the change
        log.warning("live: could not publish %d change(s) (%s)", len(events), error)
