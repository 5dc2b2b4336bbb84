"""The figures of a report: what a lead sees for the sites, team, person and period chosen.

Open and overdue counts come from each site's latest snapshot in the period; completions and
on-time rates from Completion rows finished in the period; the overdue trend from the last
snapshot of each day. With a team or a person chosen, every figure is restricted to the tasks
those site users hold.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.utils import timezone

from portal.reports.models import AssigneeFigures, Completion, Snapshot
from portal.reports.services.live import FINISHED, Gone, gone_since, worst_open
from portal.reports.services.people import UNASSIGNED, people_identify
from portal.sites.buckets import AGE_BANDS, age_band
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
class Account:
    """One site user of a person, with what that account holds."""

    site: Site
    site_user_id: str  # "" for the tasks of that site nobody holds
    open: int = 0
    overdue: int = 0
    done: int = 0


@dataclass
class PersonRow:
    """One person across sites (``services.people``): the sums of their site accounts."""

    key: str
    name: str
    accounts: list[Account] = field(default_factory=list)
    open: int = 0
    overdue: int = 0
    done: int = 0
    done_on_time: int = 0
    done_with_due: int = 0

    @property
    def site(self) -> Site:
        return self.accounts[0].site

    @property
    def site_user_id(self) -> str:
        return self.accounts[0].site_user_id

    @property
    def unassigned(self) -> bool:
        return self.key == UNASSIGNED

    @property
    def sites(self) -> list[Site]:
        return list({a.site.pk: a.site for a in self.accounts}.values())

    @property
    def label(self) -> str:
        return self.name or self.site_user_id


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
    ).order_by("site_id", "-taken_at", "-pk")
    for snapshot in snapshots.only("id", "site_id", "taken_at", "open_total", "overdue_total",
                                   "aging", "worst", "day"):  # fmt: skip
        found.setdefault(snapshot.site_id, snapshot)
    return found


def completions(filters: Filters, gone: dict[int, dict[str, Gone]] | None = None) -> list:
    """Completions finished in the period: those booked, and those the portal saw since each
    site's newest snapshot (``services.live``), which replace an older booking of the task."""
    if gone is None:
        gone = gone_after(filters, latest_snapshots(filters))
    booked = Completion.objects.filter(
        site__in=filters.sites, finished_at__gte=filters.start, finished_at__lt=filters.end
    ).select_related("site")
    found = [c for c in booked if not _superseded(c, gone.get(c.site_id, {}))]
    sites = {site.pk: site for site in filters.sites}
    for site_id, tasks in gone.items():
        for task in tasks.values():
            done = task.completion(sites[site_id])
            if done is not None and filters.start <= done.finished_at < filters.end:
                found.append(done)
    return sorted(found, key=lambda c: c.finished_at, reverse=True)


def _superseded(booked: Completion, gone: dict[str, Gone]) -> bool:
    """An earlier completion of a task reopened, then finished again since the snapshot: the
    newer one counts (as the next snapshot will book it)."""
    again = gone.get(booked.task_id)
    return again is not None and again.status in FINISHED


def gone_after(filters: Filters, latest: dict[int, Snapshot]) -> dict[int, dict[str, Gone]]:
    return {site_id: gone_since(snapshot=snapshot, until=filters.end)
            for site_id, snapshot in latest.items()}  # fmt: skip


def _held_by(assignees: list[str], members: set[str] | None) -> bool:
    return members is None or bool(members.intersection(assignees))


def _taken(gone: dict[str, Gone], user_id: str | None) -> tuple[int, int, Counter]:
    """Open and overdue tasks (and overdue ones by age) that left since the snapshot: all of
    them, or those ``user_id`` held."""
    left = [g.row for g in gone.values() if user_id is None or user_id in g.holders]
    late = [row.overdue_days for row in left if row.overdue_days is not None]
    return len(left), len(late), Counter(age_band(days) for days in late)


def report_build(filters: Filters) -> Report:
    members = filters.members()
    latest = latest_snapshots(filters)
    gone = gone_after(filters, latest)
    figures = AssigneeFigures.objects.filter(snapshot__in=latest.values())
    sites = {site.pk: SiteRow(site=site, snapshot=latest.get(site.pk)) for site in filters.sites}
    accounts: dict[tuple[int, str], Account] = {}
    by_snapshot = {snapshot.pk: site_id for site_id, snapshot in latest.items()}
    for row in figures:
        site_id = by_snapshot[row.snapshot_id]
        chosen = None if members is None else members.get(site_id, set())
        if chosen is not None and row.site_user_id not in chosen:
            continue
        left, late, bands = _taken(gone.get(site_id, {}), row.site_user_id)
        account = Account(sites[site_id].site, row.site_user_id, row.open - left,
                          row.overdue - late)  # fmt: skip
        accounts[(site_id, row.site_user_id)] = account
        if chosen is not None:  # restricted: the site's figures are its members' sums
            sites[site_id].open += account.open
            sites[site_id].overdue += account.overdue
            for band in BANDS:
                sites[site_id].aging[band] = (
                    sites[site_id].aging.get(band, 0) + row.aging.get(band, 0) - bands[band]
                )
    if members is None:
        for site_id, snapshot in latest.items():
            left, late, bands = _taken(gone.get(site_id, {}), None)
            sites[site_id].open = snapshot.open_total - left
            sites[site_id].overdue = snapshot.overdue_total - late
            sites[site_id].aging = {band: snapshot.aging.get(band, 0) - bands[band]
                                    for band in BANDS}  # fmt: skip
    names = {(by_snapshot[r.snapshot_id], r.site_user_id): r.name for r in figures}
    done_by: dict[tuple[int, str], list] = defaultdict(list)
    for done in completions(filters, gone):
        chosen = None if members is None else members.get(done.site_id, set())
        if not _held_by(done.assignees or [""], chosen):
            continue
        row = sites[done.site_id]
        if done.portal_status == "cancelled":
            row.cancelled += 1
            continue
        row.done += 1
        row.done_with_due += done.on_time is not None
        row.done_on_time += bool(done.on_time)
        for user_id in done.assignees or [""]:
            if chosen is None or user_id in chosen:
                done_by[(done.site_id, user_id)].append(done)
                accounts.setdefault((done.site_id, user_id), Account(row.site, user_id))
    for site_id, counts in reminder_counts(filters).items():
        if site_id in sites:
            sites[site_id].reminders_sent = counts.get("sent", 0)
            sites[site_id].escalations = counts.get("escalations", 0)
    rows = sorted(sites.values(), key=lambda r: (-r.overdue, r.site.name))
    less = {
        latest[site_id].pk: before - sites[site_id].overdue
        for site_id, before in _overdue_before(latest, figures, members).items()
    }
    return Report(
        filters=filters,
        sites=rows,
        people=_people(accounts, done_by, names),
        trend=overdue_trend(filters, members, less),
        worst=worst_tasks(latest, members, gone),
        totals=_totals(rows),
    )


def _overdue_before(latest, figures, members) -> dict[int, int]:
    """Each site's overdue count as its snapshot had it (the trend's point for that day)."""
    if members is None:
        return {site_id: snapshot.overdue_total for site_id, snapshot in latest.items()}
    by_snapshot = {snapshot.pk: site_id for site_id, snapshot in latest.items()}
    before: dict[int, int] = defaultdict(int)
    for row in figures:
        site_id = by_snapshot[row.snapshot_id]
        if row.site_user_id in members.get(site_id, set()):
            before[site_id] += row.overdue
    return before


def _people(accounts, done_by, names) -> list[PersonRow]:
    """One row per person, whichever sites they hold tasks on; a task two accounts of the same
    person completed together counts once as theirs."""
    who = people_identify(accounts)
    people: dict[str, PersonRow] = {}
    counted: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for pair in sorted(accounts, key=lambda p: (accounts[p].site.name, p[1])):
        account = accounts[pair]
        person = who[pair]
        row = people.setdefault(person.key, PersonRow(person.key, person.name))
        row.name = row.name or names.get(pair, "")
        row.accounts.append(account)
        row.open += account.open
        row.overdue += account.overdue
        for done in done_by.get(pair, []):
            account.done += 1
            if (done.site_id, done.task_id) in counted[person.key]:
                continue
            counted[person.key].add((done.site_id, done.task_id))
            row.done += 1
            row.done_with_due += done.on_time is not None
            row.done_on_time += bool(done.on_time)
    return sorted(
        people.values(),
        key=lambda p: (-p.overdue, -p.open, p.unassigned, p.label.lower(), p.key),
    )


def _totals(rows: list[SiteRow]) -> dict[str, int | float | None]:
    total = {key: sum(getattr(r, key) for r in rows) for key in (
        "open", "overdue", "done", "cancelled", "done_with_due", "done_on_time",
        "reminders_sent", "escalations")}  # fmt: skip
    total["on_time_rate"] = _rate(total["done_on_time"], total["done_with_due"])
    total["completion_rate"] = _rate(total["done"], total["done"] + total["open"])
    return total


def overdue_trend(
    filters: Filters, members, less: dict[int, int] | None = None
) -> list[tuple[date, int | None]]:
    """Overdue tasks at the end of each day: the last snapshot of that day per site, summed;
    None on days without any snapshot. ``less``: snapshot id → overdue tasks the portal saw
    finished since that snapshot, so the newest day agrees with "overdue now"."""
    last: dict[tuple[int, date], Snapshot] = {}
    snapshots = Snapshot.objects.filter(
        site__in=filters.sites, ok=True, day__gte=filters.since, day__lte=filters.until
    ).order_by("taken_at", "pk")
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
    for (_, day), snapshot in last.items():
        if (less or {}).get(snapshot.pk):
            per_day[day] -= less[snapshot.pk]
    days = (filters.until - filters.since).days + 1
    return [(day, per_day.get(day)) for day in (filters.since + timedelta(n) for n in range(days))]


def worst_tasks(
    latest: dict[int, Snapshot],
    members,
    gone: dict[int, dict[str, Gone]] | None = None,
    limit: int = 10,
) -> list[dict]:
    """The most overdue tasks still open: the snapshots' own list, or, where the portal saw
    one of a site's overdue tasks finish since, that site's open tasks without it."""
    found = []
    for site_id, snapshot in latest.items():
        chosen = None if members is None else members.get(site_id, set())
        left = (gone or {}).get(site_id, {})
        if any(g.row.overdue_days is not None for g in left.values()):
            kept = worst_open(
                snapshot=snapshot,
                gone=left,
                limit=limit,
                held=lambda holders, chosen=chosen: _held_by(holders, chosen),
            )
            found += [{**task, "site_id": site_id} for task in kept]
            continue
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
