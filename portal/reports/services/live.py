"""What the portal itself saw happen to tasks since a site's newest snapshot, so the report need
not wait for the next one: a task finished through the portal (its pages, the API, bulk
actions and reminders' Done links, all audited) or reported finished by the site's webhook
(a recorded transition) leaves the open and overdue counts, the aging and "most overdue", and
counts as completed at the moment the portal saw it.

Only tasks the snapshot held open are corrected, with what the snapshot knew of them (its
``SnapshotTask`` row): a task the site finished before the snapshot read it is simply absent,
so nothing is taken twice. The newest status the portal knows decides, so a task finished and
opened again stays open. A task created after the snapshot waits for the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.notifications.models import TaskTransition
from portal.reports.models import Completion, Snapshot, SnapshotTask
from portal.sites.buckets import portal_status
from portal.sites.models import AuditEntry

FINISHED = ("done", "cancelled")
DELETED = "deleted"
CHUNK = 500  # ids per query: well under SQLite's bound on variables
# Audited portal writes that say a task's new status (or that it is gone).
_STATUS_ACTIONS = ("task_status", "task_edit", "reminder_done")


@dataclass(frozen=True)
class Gone:
    """An open task of the snapshot the portal has since seen finished or deleted."""

    row: SnapshotTask
    status: str  # done | cancelled | deleted
    at: datetime

    @property
    def holders(self) -> list[str]:
        return self.row.assignees or [""]

    def completion(self, site) -> Completion | None:
        """The completion the next snapshot would book (unsaved); None for a deletion."""
        if self.status not in FINISHED:
            return None
        due = self.row.due
        return Completion(
            site=site,
            task_id=self.row.task_id,
            title=self.row.title,
            portal_status=self.status,
            finished_at=self.at,
            due_date=due,
            on_time=(self.at <= due) if due else None,
            assignees=list(self.row.assignees),
            source=Completion.Source.OBSERVED,
        )


def last_known_status(*, site_id: int, since: datetime, until: datetime) -> dict[str, tuple]:
    """Task id → (portal status or "deleted", when) of the newest change the portal saw in
    [since, until): transitions (webhooks, reminder actions) and its own successful writes."""
    seen: list[tuple[datetime, int, int, str, str]] = []
    transitions = TaskTransition.objects.filter(site_id=site_id, at__gte=since, at__lt=until)
    for pk, task_id, status, at in transitions.values_list("pk", "task_id", "portal_status", "at"):
        seen.append((at, 0, pk, task_id, status))
    writes = AuditEntry.objects.filter(
        site_id=site_id, ok=True, at__gte=since, at__lt=until,
        action__in=(*_STATUS_ACTIONS, "task_delete"),
    ).exclude(task_id="")  # fmt: skip
    for pk, task_id, action, changes, at in writes.values_list(
        "pk", "task_id", "action", "changes", "at"
    ):
        if action == "task_delete":
            seen.append((at, 1, pk, task_id, DELETED))
        elif isinstance(changes, dict) and isinstance(changes.get("status"), str):
            seen.append((at, 1, pk, task_id, portal_status(changes["status"])))
    latest: dict[str, tuple] = {}
    for at, _, _, task_id, status in sorted(seen):
        latest[task_id] = (status, at)
    return latest


def gone_since(*, snapshot: Snapshot, until: datetime) -> dict[str, Gone]:
    """The snapshot's open tasks the portal has seen finished or deleted before ``until``.
    Empty for a snapshot that is no longer its site's newest (its rows are not kept)."""
    ended = {
        task_id: state
        for task_id, state in last_known_status(
            site_id=snapshot.site_id, since=snapshot.taken_at, until=until
        ).items()
        if state[0] in (*FINISHED, DELETED)
    }
    found: dict[str, Gone] = {}
    ids = sorted(ended)
    for start in range(0, len(ids), CHUNK):
        rows = SnapshotTask.objects.filter(
            snapshot=snapshot, task_id__in=ids[start : start + CHUNK]
        )
        for row in rows:
            status, at = ended[row.task_id]
            found[row.task_id] = Gone(row=row, status=status, at=at)
    return found


def worst_open(*, snapshot: Snapshot, gone: dict[str, Gone], held, limit: int) -> list[dict]:
    """The snapshot's most overdue tasks still open, as ``Snapshot.worst`` lists them; ``held``
    says whether a task's assignees are in view."""
    found = []
    rows = (
        SnapshotTask.objects.filter(snapshot=snapshot, overdue_days__isnull=False)
        .exclude(task_id__in=list(gone))
        .order_by("-overdue_days", "task_id")
    )
    for row in rows.iterator(chunk_size=200):
        if held(row.assignees or [""]):
            found.append({
                "id": row.task_id, "title": row.title, "days": row.overdue_days,
                "priority": row.priority, "due": row.due.isoformat() if row.due else None,
                "assignees": list(row.assignees),
            })  # fmt: skip
            if len(found) >= limit:
                break
    return found
