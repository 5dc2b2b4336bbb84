"""Acknowledging a task: someone says they took it on. Further escalation of its current
episode stops (the planner skips acknowledged episodes, and an escalation still waiting is left
out when it is sent), the task stays open at its site (nothing is written there), and later
messages and the task's history say who acknowledged it and when."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal import clock
from portal.notifications.models import Acknowledgement, WatchedTask
from portal.sites.audit import audit_record
from portal.sites.models import Site


@dataclass(frozen=True)
class AckResult:
    ok: bool
    message: str


def task_acknowledge(
    *, site: Site, task_id: str, by: str, source: str, user=None
) -> AckResult:  # fmt: skip
    """Records who acknowledged the task's current episode; a second acknowledgement keeps the
    first one and says whose it is."""
    watched = WatchedTask.objects.filter(
        site=site, task_id=task_id, closed_seq__isnull=True
    ).first()
    if watched is None or watched.bucket not in ("overdue", "late"):
        return AckResult(False, _("This task is not overdue any more: there is nothing to stop."))
    by = by[:254]
    try:
        with transaction.atomic():
            ack = Acknowledgement.objects.create(
                site=site, task_id=task_id, episode=watched.episode, by=by, source=source,
                at=clock.now(),
            )  # fmt: skip
    except IntegrityError:
        ack = Acknowledgement.objects.get(site=site, task_id=task_id, episode=watched.episode)
        return AckResult(True, _("%(who)s had already acknowledged this task.") % {"who": ack.by})
    audit_record(
        user=user, site=site, action="reminder_acknowledge", task_id=task_id,
        changes={"by": by, "from": source, "episode": watched.episode},
    )  # fmt: skip
    return AckResult(
        True,
        _("Acknowledged by %(who)s: no further escalation. The task stays open on %(site)s.")
        % {"who": ack.by, "site": site.name},
    )
