"""Every open task a reminder may be about: the portal's overdue and late buckets of one site,
complete, in few requests, all through the cheap generic list.

Two reads merged by task id and classified with the portal's one ``bucket()``:
- ``late_bucket_scan``: the site's own late bucket (start before today, open, not ``late``);
- ``overdue_scan``: on a real site the late bucket holds none of the overdue tasks, which are
  switched to status ``late`` and leave it [052, 230].

``main_page_buckets`` gives the same late bucket at some 100 times the cost (it loads every
task; 3.5 s for 1,000 tasks on a real site, past the read limit at 30,000): it is asked at most
once a day per site, as a cross-check (``late_bucket_cross_check``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal.sites.buckets import due_soon

from .buckets import bucket
from .client import FrappeClient
from .models import Bucket, Task

MAX_SHOWN_IDS = 20


@dataclass
class OverdueRead:
    found: dict[int, tuple[Task, Bucket]] = field(default_factory=dict)
    late_bucket_rows: int = 0  # what the site's late bucket holds
    late_bucket_ids: frozenset[int] = frozenset()


def overdue_and_late(
    client: FrappeClient, *, now: datetime, due_within: timedelta | None = None
) -> OverdueRead:
    """Raises the client's typed errors (SiteError) like any other call. With ``due_within``
    the overdue read also takes tasks due up to then (``soon``), in the same requests."""
    late_bucket = client.late_bucket_scan(now)
    overdue = client.overdue_scan(now, due_before=now + due_within if due_within else None)
    read = OverdueRead(
        late_bucket_rows=len(late_bucket), late_bucket_ids=frozenset(t.id for t in late_bucket)
    )
    merged = {t.id: t for t in late_bucket}
    merged.update({t.id: t for t in overdue})
    for task in merged.values():
        kind = bucket(task, now)
        if kind in ("overdue", "late"):
            read.found[task.id] = (task, kind)
        elif due_soon(task, now, due_within):
            read.found[task.id] = (task, "soon")
    return read


@dataclass(frozen=True)
class CrossCheck:
    """The site's own late bucket against the generic list's: ids only one of them has."""

    only_site: tuple[int, ...]
    only_list: tuple[int, ...]

    @property
    def agrees(self) -> bool:
        return not self.only_site and not self.only_list

    def words(self) -> str:
        """English, for the site's health record."""
        if self.agrees:
            return "the site's late bucket and the generic list agree"
        parts = []
        if self.only_site:
            parts.append(f"only main_page_buckets: {_ids(self.only_site)}")
        if self.only_list:
            parts.append(f"only the generic list: {_ids(self.only_list)}")
        return "late bucket cross-check differs: " + "; ".join(parts)


def late_bucket_cross_check(client: FrappeClient, *, list_ids: frozenset[int]) -> CrossCheck:
    """Asks ``main_page_buckets`` for one row more than the generic list found, so its cut at
    ``min_each`` cannot hide a difference."""
    buckets = client.main_page_buckets(min_each=len(list_ids) + 1)
    site_ids = frozenset(t.id for t in buckets.late)
    return CrossCheck(
        only_site=tuple(sorted(site_ids - list_ids)), only_list=tuple(sorted(list_ids - site_ids))
    )


def _ids(ids: tuple[int, ...]) -> str:
    shown = ", ".join(str(i) for i in ids[:MAX_SHOWN_IDS])
    more = len(ids) - MAX_SHOWN_IDS
    return shown + (f" and {more} more" if more > 0 else "")
