"""Every open task a reminder may be about: the portal's overdue and late buckets of one site,
complete, in few requests.

Two reads merged by task id and classified with the portal's one ``bucket()``:
- the site's own late bucket (``main_page_buckets``): ``min_each`` is a per-bucket *maximum*
  [209], so it is asked for more rows than it held last time (the caller remembers), and asked
  again, bigger, whenever it comes back full;
- ``overdue_scan`` (generic list, paged): on a real site the late bucket holds none of the overdue
  tasks, which are switched to status ``late`` and leave it [052, 230].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .buckets import bucket
from .client import FrappeClient
from .models import Bucket, Task

MAX_MIN_EACH = 100_000


@dataclass
class OverdueRead:
    found: dict[int, tuple[Task, Bucket]] = field(default_factory=dict)
    late_bucket_rows: int = 0  # what the site's late bucket held: ask for more next time


def overdue_and_late(client: FrappeClient, *, now: datetime, min_each: int) -> OverdueRead:
    """Raises the client's typed errors (FrappeError) like any other call."""
    buckets = client.main_page_buckets(min_each=min_each)
    while len(buckets.late) >= min_each and min_each < MAX_MIN_EACH:
        min_each = min(min_each * 4, MAX_MIN_EACH)  # came back full: maybe cut off
        buckets = client.main_page_buckets(min_each=min_each)
    overdue = client.overdue_scan(now)
    read = OverdueRead(late_bucket_rows=len(buckets.late))
    # The overdue scan's copy wins: the generic list names assignees by user id [236].
    merged = {t.id: t for t in buckets.late}
    merged.update({t.id: t for t in overdue})
    for task in merged.values():
        kind = bucket(task, now)
        if kind in ("overdue", "late"):
            read.found[task.id] = (task, kind)
    return read
