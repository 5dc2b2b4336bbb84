"""Reads for pages (here and in other apps: the task page shows a task's reminder history
through ``reminder_history_for_task``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet

from portal.notifications.models import (
    Acknowledgement,
    Channel,
    Delivery,
    DeliveryItem,
    ScanRun,
    SiteScan,
    WatchedTask,
    is_escalation,
    step_label,
)
from portal.notifications.steps import step_text

CHUNK = 500  # ids per query: well under SQLite's bound on variables


def watched_open(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], WatchedTask]:
    """The open watched tasks among these (site id, task id) pairs, by pair."""
    by_site: dict[int, list[int]] = defaultdict(list)
    for site_id, task_id in set(pairs):
        by_site[site_id].append(task_id)
    found: dict[tuple[int, str], WatchedTask] = {}
    for site_id, task_ids in by_site.items():
        for start in range(0, len(task_ids), CHUNK):
            rows = WatchedTask.objects.filter(
                site_id=site_id,
                task_id__in=task_ids[start : start + CHUNK],
                closed_seq__isnull=True,
            )
            found.update({(w.site_id, w.task_id): w for w in rows})
    return found


@dataclass(frozen=True)
class HistoryEntry:
    delivery_id: int
    at: datetime  # sent, or planned
    status: str
    status_label: str
    step: str  # first, repeat n, escalation (the ledger's own label)
    channel: str
    channel_kind: str
    recipient: str
    rule: str
    error: str
    step_words: str  # the step in the reader's language


def reminder_history_for_task(*, site_id: int, task_id: str) -> list[HistoryEntry]:
    """Every reminder planned for one task, newest first."""
    items = (
        DeliveryItem.objects.filter(site_id=site_id, task_id=task_id)
        .select_related("delivery", "delivery__channel")
        .order_by("-delivery__created_at", "-id")
    )
    labels = dict(Delivery.Status.choices)
    history = []
    for item in items:
        delivery = item.delivery
        history.append(
            HistoryEntry(
                delivery_id=delivery.pk,
                at=delivery.sent_at or delivery.send_after or delivery.created_at,
                status=delivery.status,
                status_label=str(labels.get(delivery.status, delivery.status)),
                step=step_label(item.step),
                channel=delivery.channel.name if delivery.channel else delivery.channel_kind,
                channel_kind=delivery.channel_kind,
                recipient=delivery.recipient or (delivery.channel.name if delivery.channel else ""),
                rule=delivery.rule_name,
                error=delivery.last_error,
                step_words=step_text(item.step),
            )
        )
    return history


def delivery_list(
    *, site_id: int | None = None, channel_id: int | None = None, status: str = ""
) -> QuerySet[Delivery]:
    # What each delivery covers, for the log to say in the reader's language ("3 tasks", or
    # the one task's step); the stored ``summary`` is the ledger's English.
    deliveries = Delivery.objects.select_related("channel").annotate(
        covered=Count("items", distinct=True), covered_step=Max("items__step")
    )
    if site_id:
        deliveries = deliveries.filter(Q(site_id=site_id) | Q(items__site_id=site_id)).distinct()
    if channel_id:
        deliveries = deliveries.filter(channel_id=channel_id)
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("-created_at", "-id")


def delivery_counts() -> list[tuple[str, str, int]]:
    """(status, its label in the reader's language, deliveries) in the ledger's order."""
    rows = Delivery.objects.order_by().values("status").annotate(n=Count("id"))
    found = {row["status"]: row["n"] for row in rows}
    return [
        (value, label, found[value]) for value, label in Delivery.Status.choices if value in found
    ]


def channels_broken() -> QuerySet[Channel]:
    return Channel.objects.filter(broken_at__isnull=False)


def scan_runs_recent(*, limit: int = 10) -> QuerySet[ScanRun]:
    return ScanRun.objects.prefetch_related("site_scans__site").order_by("-started_at", "-id")[
        :limit
    ]


def reminder_counts_for_sites(
    *,
    site_ids: list[int],
    since: datetime,
    until: datetime,
    members: dict[int, set[str]] | None = None,
) -> dict[int, dict[str, int]]:
    """Per site, task reminders sent in [since, until): {"sent": n, "escalations": m}. A digest
    counts once for each task it covered (its tasks may be on several sites); escalations are
    counted apart from the other steps. With ``members`` (site id → site user ids: a team or a
    person), only reminders of tasks held by one of them count; "" stands for unassigned.
    Read by the reports."""
    rows = (
        DeliveryItem.objects.filter(
            site_id__in=site_ids,
            delivery__status=Delivery.Status.SENT,
            delivery__sent_at__gte=since,
            delivery__sent_at__lt=until,
        )
        .values_list(
            "site_id", "step", "assignee_ids", "rule_id", "recipient", "task_id", "episode"
        )  # fmt: skip
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    people_reminded: set[tuple] = set()
    for site_id, step, assignee_ids, rule_id, recipient, task_id, episode in rows:
        if members is not None and members.get(site_id, set()).isdisjoint(assignee_ids or [""]):
            continue
        if recipient:
            # A person reached on several channels (email and the notification centre, say)
            # was reminded once.
            reminded = (rule_id, recipient, site_id, task_id, episode, step)
            if reminded in people_reminded:
                continue
            people_reminded.add(reminded)
        entry = counts.setdefault(site_id, {"sent": 0, "escalations": 0})
        entry["escalations" if is_escalation(step) else "sent"] += 1
    return counts


def uncovered_latest() -> tuple[ScanRun | None, list[SiteScan]]:
    """The last planned run, and per site it scanned successfully, how many overdue tasks no
    enabled rule had anyone to remind of (sites with none included, by name)."""
    run = ScanRun.objects.filter(planned_at__isnull=False).order_by("-started_at", "-id").first()
    if run is None:
        return None, []
    scans = (
        SiteScan.objects.filter(run=run, status=SiteScan.Status.OK)
        .select_related("site")
        .order_by("site__name")
    )
    return run, list(scans)


@dataclass(frozen=True)
class AckState:
    """Whether a task's escalation can be stopped now, or who already did."""

    can_acknowledge: bool
    by: str = ""
    at: datetime | None = None


def acknowledge_state_for_task(*, site_id: int, task_id: str) -> AckState:
    """Read by the task page and the task's reminder history: an open overdue or late task can
    be acknowledged once per episode."""
    watched = WatchedTask.objects.filter(
        site_id=site_id, task_id=str(task_id), closed_seq__isnull=True
    ).first()
    if watched is None or watched.bucket not in ("overdue", "late"):
        return AckState(False)
    ack = Acknowledgement.objects.filter(
        site_id=site_id, task_id=str(task_id), episode=watched.episode
    ).first()
    if ack is not None:
        return AckState(False, ack.by, ack.at)
    return AckState(True)
