"""The board: the tasks matching the filter page's criteria, one column per portal status.

It reads what the filter page reads (``search.site_matches``: the same criteria, query and
cache). A small site gives every match in one read, which the board splits by status; a big
site is asked per column for its count and its first cards in the portal's order (one read of
every status would give its first cards only, nearly all of them open). A column shows its
first ``per_column`` cards across sites, in the portal's order, and the total it holds: the
rest are one link away, on the filter page narrowed to that status.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.contrib.auth.models import User

from portal import clock
from portal.sites.backends.base import TaskBackend
from portal.sites.backends.types import PortalStatus
from portal.tasks_ui.fanout import SiteOutcome, run_concurrently
from portal.tasks_ui.selectors.rows import Row
from portal.tasks_ui.selectors.search import Criteria, SiteMatches, matched_rows, site_matches
from portal.tasks_ui.selectors.sizes import site_is_big
from portal.tasks_ui.selectors.sorting import PORTAL_ORDER, rows_sorted
from portal.tasks_ui.selectors.sources import Source, read_user_sites

COLUMNS: tuple[PortalStatus, ...] = ("open", "in_progress", "done", "cancelled")


@dataclass
class Column:
    status: PortalStatus
    rows: list[Row]  # the first cards across sites, in the portal's order
    total: int  # every match of this status on the sites that answered

    @property
    def hidden(self) -> int:
        """Matches not shown as cards (the "more" link's count)."""
        return max(0, self.total - len(self.rows))


@dataclass
class Board:
    columns: list[Column]
    problems: list[SiteOutcome] = field(default_factory=list)
    searched: int = 0  # sites that answered


def board_statuses(criteria: Criteria) -> tuple[PortalStatus, ...]:
    """The columns shown: the statuses the filters chose, else all four, in the one order."""
    return tuple(s for s in COLUMNS if not criteria.statuses or s in criteria.statuses)


def _site_read(criteria: Criteria, statuses: tuple[PortalStatus, ...], *, k: int, now: datetime):
    whole = site_matches(criteria, k=k, now=now)
    per_status = {s: site_matches(replace(criteria, statuses=(s,)), k=k, now=now) for s in statuses}

    def read(source: Source, backend: TaskBackend) -> dict[PortalStatus, SiteMatches]:
        # "Nobody assigned" reads a big site whole too (``site_matches``): one read serves all.
        if site_is_big(source.site.pk) and not criteria.unassigned:
            calls = [lambda s=s: per_status[s](source, backend) for s in statuses]
            return dict(zip(statuses, run_concurrently(calls), strict=True))
        found = whole(source, backend)  # every match, to be filtered and split here
        return {
            s: SiteMatches(tuple(t for t in found.tasks if t.portal_status == s)) for s in statuses
        }

    return read


def board_for_user(
    *,
    user: User,
    criteria: Criteria,
    per_column: int,
    now: datetime | None = None,
    probe: frozenset[int] = frozenset(),
) -> Board:
    now = now or clock.now()
    statuses = board_statuses(criteria)
    got = read_user_sites(
        user,
        _site_read(criteria, statuses, k=per_column, now=now),
        site_ids=criteria.site_ids or None,
        probe=probe,
    )
    rows: dict[PortalStatus, list[Row]] = {s: [] for s in statuses}
    totals = dict.fromkeys(statuses, 0)
    for source, by_status in got.answers:
        for status, found in (by_status or {}).items():
            site_rows, count = matched_rows(source, found, criteria, names=got.names, now=now)
            rows[status] += site_rows
            totals[status] += count
    columns = [
        Column(status=s, rows=rows_sorted(rows[s], PORTAL_ORDER)[:per_column], total=totals[s])
        for s in statuses
    ]
    return Board(columns=columns, problems=got.problems, searched=len(got.answers))
