"""Taking a snapshot of one site: what is open, what is overdue and for how long, who holds
what, and which tasks finished since the last snapshot. Everything goes through the site's
backend (any kind) with its service credential; the portal's one bucket() decides "overdue"."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from django.apps import apps
from django.db import transaction

from portal import clock
from portal.reports.models import AssigneeFigures, Completion, Snapshot, SnapshotTask
from portal.sites.backends.errors import SiteError
from portal.sites.backends.types import Task
from portal.sites.buckets import AGE_BANDS, age_band, bucket, overdue_days
from portal.sites.models import Site
from portal.sites.services import clients
from portal.sites.services.people import site_users_seen_in

WORST_KEPT = 10
FIRST_LOOKBACK = timedelta(days=7)  # how far back the first snapshot looks for completions
OVERLAP = timedelta(minutes=5)  # completions saved while the previous snapshot ran


def assignee_ids(task: Task) -> list[str]:
    """Who holds a task, as site user ids (an email where the site gave only that); [""] for
    nobody, however the site spells "nobody" (no list, an empty id, blanks)."""
    found = [(a.user_id or a.email or "").strip() for a in task.assignees]
    return list(dict.fromkeys(key for key in found if key)) or [""]


def snapshot_take(*, site: Site, trigger: str = Snapshot.Trigger.SCHEDULED) -> Snapshot:
    """Takes and stores one snapshot; a failing site is stored as a failed snapshot."""
    now = clock.now()
    previous = Snapshot.objects.filter(site=site, ok=True).order_by("-taken_at", "-pk").first()
    try:
        backend = clients.backend_for_service(site)
        open_tasks = backend.open_tasks()
        since = (previous.taken_at - OVERLAP) if previous else now - FIRST_LOOKBACK
        finished = backend.finished_since(since)
    except (SiteError, clients.NotConnected) as error:
        message = getattr(error, "message", None) or str(error)
        clients.site_failed(site, error)
        return Snapshot.objects.create(
            site=site, taken_at=now, day=now.date(), trigger=trigger, ok=False, error=message
        )
    clients.site_succeeded(site)
    site_users_seen_in(site=site, tasks=open_tasks)
    with transaction.atomic():
        snapshot = _store(
            site=site, now=now, trigger=trigger, open_tasks=open_tasks, zone=backend.zone
        )
        completions_record(site=site, finished=finished, since=since)
    return snapshot


def _store(*, site, now, trigger, open_tasks, zone) -> Snapshot:
    overdue = [(t, overdue_days(t, now)) for t in open_tasks if bucket(t, now) == "overdue"]
    aging = Counter(age_band(days) for _, days in overdue)
    worst = sorted(overdue, key=lambda pair: (-pair[1], pair[0].id))[:WORST_KEPT]
    snapshot = Snapshot.objects.create(
        site=site,
        taken_at=now,
        day=now.astimezone(zone).date(),
        trigger=trigger,
        open_total=len(open_tasks),
        overdue_total=len(overdue),
        by_status=dict(Counter(t.status for t in open_tasks)),
        by_priority=dict(Counter(t.priority or "" for t in open_tasks)),
        aging={label: aging.get(label, 0) for label, _ in AGE_BANDS},
        worst=[
            {
                "id": t.id,
                "title": t.title[:200],
                "days": days,
                "priority": t.priority or "",
                "due": t.due_date.isoformat() if t.due_date else None,
                "assignees": [a for a in assignee_ids(t) if a],
            }
            for t, days in worst
        ],  # fmt: skip
    )
    names: dict[str, str] = {}
    held: dict[str, dict] = {}
    overdue_age = {t.id: days for t, days in overdue}
    for task in open_tasks:
        for assignee in task.assignees:
            key = assignee.user_id or assignee.email
            if key and assignee.full_name:
                names[key] = assignee.full_name
        for key in assignee_ids(task):
            figures = held.setdefault(key, {"open": 0, "overdue": 0, "aging": Counter()})
            figures["open"] += 1
            if task.id in overdue_age:
                figures["overdue"] += 1
                figures["aging"][age_band(overdue_age[task.id])] += 1
    AssigneeFigures.objects.bulk_create(
        AssigneeFigures(
            snapshot=snapshot,
            site_user_id=key,
            name=names.get(key, "")[:140],
            open=figures["open"],
            overdue=figures["overdue"],
            aging={label: figures["aging"].get(label, 0) for label, _ in AGE_BANDS},
        )
        for key, figures in held.items()
    )
    SnapshotTask.objects.bulk_create(
        (
            SnapshotTask(
                snapshot=snapshot,
                task_id=task.id,
                title=task.title[:200],
                priority=(task.priority or "")[:60],
                due=task.due_date,
                overdue_days=overdue_age.get(task.id),
                assignees=[a for a in assignee_ids(task) if a],
            )
            for task in {t.id: t for t in open_tasks}.values()
        ),
        batch_size=1000,
    )
    # Only the newest snapshot is corrected live; older ones keep their counts alone.
    SnapshotTask.objects.filter(snapshot__site=site).exclude(snapshot=snapshot).delete()
    return snapshot


def completions_record(*, site: Site, finished: list[Task], since: datetime) -> int:
    """Books tasks finished since the last snapshot, once per task (a reopened and finished
    again task moves to its newest completion), then refines the time with what the portal
    observed first (inbound webhooks, reminder actions)."""
    booked = 0
    for task in finished:
        at = task.modified or clock.now()
        existing = Completion.objects.filter(site=site, task_id=task.id).first()
        # A site that does not say when a task was saved (Django-CRM) gives no new time: the
        # first snapshot that saw the task finished keeps its booking.
        if (
            existing
            and existing.portal_status == task.portal_status
            and (task.modified is None or at <= existing.finished_at + OVERLAP)
        ):
            continue
        Completion.objects.update_or_create(
            site=site,
            task_id=task.id,
            defaults={
                "title": task.title[:300],
                "portal_status": task.portal_status,
                "finished_at": at,
                "due_date": task.due_date,
                "on_time": (at <= task.due_date) if task.due_date else None,
                "assignees": [a for a in assignee_ids(task) if a],
                "source": Completion.Source.POLL,
            },
        )
        booked += 1
    _refine_with_observed(site=site, since=since)
    return booked


def _refine_with_observed(*, site: Site, since: datetime) -> None:
    """A webhook (or a Done link in a reminder) saw the transition at a precise moment; the
    poll only knows `modified`, which a later edit may have moved."""
    try:
        observed = apps.get_model("notifications", "TaskTransition")
    except LookupError:  # reports also run without the notifications app
        return
    transitions = observed.objects.filter(
        site=site, at__gte=since, portal_status__in=("done", "cancelled")
    )
    for seen in transitions.order_by("at"):
        completion = Completion.objects.filter(
            site=site, task_id=seen.task_id, portal_status=seen.portal_status
        ).first()
        if completion and seen.at < completion.finished_at:
            completion.finished_at = seen.at
            completion.source = Completion.Source.OBSERVED
            if completion.due_date:
                completion.on_time = seen.at <= completion.due_date
            completion.save(update_fields=["finished_at", "source", "on_time"])


def snapshot_all_sites(*, trigger: str = Snapshot.Trigger.SCHEDULED) -> list[int]:
    """Snapshot ids of every active site with a service credential."""
    sites = Site.objects.filter(is_active=True, service_credential__isnull=False)
    return [snapshot_take(site=site, trigger=trigger).pk for site in sites]
