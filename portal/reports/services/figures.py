"""The figures of a report: what a lead sees for the sites, team, person and period chosen.

Open and overdue counts come from each site's latest snapshot in the period; completions and
on-time rates from Completion rows finished in the period; the overdue trend from the last
snapshot of each day. With a team or a person chosen, every figure is restricted to the tasks
those site users hold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone

from portal.reports.models import AssigneeFigures, Completion, Snapshot
from portal.sites.buckets import AGE_BANDS
from portal.sites.models import Site, Team

BANDS = [label for label, _ in AGE_BANDS]


@dataclass(frozen=True)
class Filters:
    sites: list[Site]  # already restricted to what the viewer may see
    since: date
    until: date  # inclusive
    team: Team | None = None
    assignee: str = ""

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.since, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.until + timedelta(days=1), time.min))

    def members(self) -> dict[int, set[str]] | None:
        """Site id → site user ids the figures are restricted to; None: no restriction."""
        if self.assignee:
            return {site.pk: {self.assignee} for site in self.sites}
        if self.team is None:
            return None
        chosen: dict[int, set[str]] = defaultdict(set)
        for site_id, user_id in self.team.members.values_list("site_id", "user_id"):
            chosen[site_id].add(user_id)
        return chosen


@dataclass
class SiteRow:
    site: Site
    snapshot: Snapshot | None
    open: int = 0
    overdue: int = 0
    aging: dict[str, int] = field(default_factory=dict)
    done: int = 0
    cancelled: int = 0
    done_with_due: int = 0
    done_on_time: int = 0
    reminders_sent: int = 0
    escalations: int = 0


@dataclass
class PersonRow:
    site: Site
    site_user_id: str
    name: str
    open: int = 0
    overdue: int = 0
    done: int = 0
    done_on_time: int = 0
    done_with_due: int = 0


@dataclass
class Report:
    filters: Filters
    sites: list[SiteRow]
    people: list[PersonRow]
    trend: list[tuple[date, int | None]]
    worst: list[dict]
    totals: dict[str, int | float | None]


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def latest_snapshots(filters: Filters) -> dict[int, Snapshot]:
    """Each site's newest good snapshot taken before the period's end."""
    found: dict[int, Snapshot] = {}
    snapshots = Snapshot.objects.filter(
        site__in=filters.sites, ok=True, taken_at__lt=filters.end
    ).order_by("site_id", "-taken_at")
    for snapshot in snapshots.only("id", "site_id", "taken_at", "open_total", "overdue_total",
                                   "aging", "worst", "day"):  # fmt: skip
        found.setdefault(snapshot.site_id, snapshot)
    return found


def completions(filters: Filters) -> QuerySet[Completion]:
    return Completion.objects.filter(
        site__in=filters.sites, finished_at__gte=filters.start, finished_at__lt=filters.end
    )


def _held_by(assignees: list[str], members: set[str] | None) -> bool:
    return members is None or bool(members.intersection(assignees))


def report_build(filters: Filters) -> Report:
    members = filters.members()
    latest = latest_snapshots(filters)
    figures = AssigneeFigures.objects.filter(snapshot__in=latest.values())
    sites = {site.pk: SiteRow(site=site, snapshot=latest.get(site.pk)) for site in filters.sites}
    people: dict[tuple[int, str], PersonRow] = {}
    by_snapshot = {snapshot.pk: site_id for site_id, snapshot in latest.items()}
    for row in figures:
        site_id = by_snapshot[row.snapshot_id]
        chosen = None if members is None else members.get(site_id, set())
        if chosen is not None and row.site_user_id not in chosen:
            continue
        person = PersonRow(sites[site_id].site, row.site_user_id, row.name, row.open, row.overdue)
        people[(site_id, row.site_user_id)] = person
        if chosen is not None:  # restricted: the site's figures are its members' sums
            sites[site_id].open += row.open
            sites[site_id].overdue += row.overdue
            for band in BANDS:
                sites[site_id].aging[band] = sites[site_id].aging.get(band, 0) + row.aging.get(
                    band, 0
                )
    if members is None:
        for site_id, snapshot in latest.items():
            sites[site_id].open = snapshot.open_total
            sites[site_id].overdue = snapshot.overdue_total
            sites[site_id].aging = {band: snapshot.aging.get(band, 0) for band in BANDS}
    for done in completions(filters):
        chosen = None if members is None else members.get(done.site_id, set())
        if not _held_by(done.assignees, chosen):
            continue
        row = sites[done.site_id]
        if done.portal_status == "cancelled":
            row.cancelled += 1
            continue
        row.done += 1
        row.done_with_due += done.on_time is not None
        row.done_on_time += bool(done.on_time)
        for user_id in done.assignees or [""]:
            if chosen is not None and user_id not in chosen:
                continue
            person = people.setdefault((done.site_id, user_id), PersonRow(row.site, user_id, ""))
            person.done += 1
            person.done_with_due += done.on_time is not None
            person.done_on_time += bool(done.on_time)
    for site_id, counts in reminder_counts(filters).items():
        if site_id in sites:
            sites[site_id].reminders_sent = counts.get("sent", 0)
            sites[site_id].escalations = counts.get("escalations", 0)
    rows = sorted(sites.values(), key=lambda r: (-r.overdue, r.site.name))
    return Report(
        filters=filters,
        sites=rows,
        people=sorted(
            people.values(), key=lambda p: (-p.overdue, -p.open, p.site.name, p.site_user_id)
        ),
        trend=overdue_trend(filters, members),
        worst=worst_tasks(latest, members),
        totals=_totals(rows),
    )


def _totals(rows: list[SiteRow]) -> dict[str, int | float | None]:
    total = {key: sum(getattr(r, key) for r in rows) for key in (
        "open", "overdue", "done", "cancelled", "done_with_due", "done_on_time",
        "reminders_sent", "escalations")}  # fmt: skip
    total["on_time_rate"] = _rate(total["done_on_time"], total["done_with_due"])
    total["completion_rate"] = _rate(total["done"], total["done"] + total["open"])
    return total


def overdue_trend(filters: Filters, members) -> list[tuple[date, int | None]]:
    """Overdue tasks at the end of each day: the last snapshot of that day per site, summed;
    None on days without any snapshot."""
    last: dict[tuple[int, date], Snapshot] = {}
    snapshots = Snapshot.objects.filter(
        site__in=filters.sites, ok=True, day__gte=filters.since, day__lte=filters.until
    ).order_by("taken_at")
    for snapshot in snapshots.only("id", "site_id", "day", "overdue_total", "taken_at"):
        last[(snapshot.site_id, snapshot.day)] = snapshot
    per_day: dict[date, int] = defaultdict(int)
    if members is None:
        for (_, day), snapshot in last.items():
            per_day[day] += snapshot.overdue_total
    else:
        chosen = {s.pk: (s.site_id, s.day) for s in last.values()}
        for row in AssigneeFigures.objects.filter(snapshot_id__in=chosen):
            site_id, day = chosen[row.snapshot_id]
            if row.site_user_id in members.get(site_id, set()):
                per_day[day] += row.overdue
        for _, day in chosen.values():
            per_day.setdefault(day, 0)
    days = (filters.until - filters.since).days + 1
    return [(day, per_day.get(day)) for day in (filters.since + timedelta(n) for n in range(days))]


def worst_tasks(latest: dict[int, Snapshot], members, limit: int = 10) -> list[dict]:
    found = []
    for site_id, snapshot in latest.items():
        chosen = None if members is None else members.get(site_id, set())
        for task in snapshot.worst:
            if _held_by(task.get("assignees") or [""], chosen):
                found.append({**task, "site_id": site_id})
    return sorted(found, key=lambda t: (-t["days"], t["id"]))[:limit]


def reminder_counts(filters: Filters) -> dict[int, dict[str, int]]:
    """Reminders sent and escalations per site in the period, from the notifications ledger."""
    if not apps.is_installed("portal.notifications"):
        return {}
    try:
        from portal.notifications.selectors import reminder_counts_for_sites
    except ImportError:
        return {}
    return reminder_counts_for_sites(
        site_ids=[site.pk for site in filters.sites],
        since=filters.start,
        until=filters.end,
        members=filters.members(),
    )
