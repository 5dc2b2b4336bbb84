"""Reads for backends whose sites answer no counts the portal can use (Django-CRM, EspoCRM):
the open tasks and today's finished ones are read whole, and bucketed here with the portal's
one definition (``portal.sites.buckets``). Such a backend supplies ``_open`` (every open task)
and ``finished_today``; these give it the page reads of ``TaskBackend``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from portal.sites.buckets import age_band, bucket, overdue_days

from .base import SLOTS
from .types import Task


def bucket_of(task: Task, now: datetime, finished: Iterable[str]) -> str | None:
    """The task's bucket, with a task due today and already finished told apart."""
    found = bucket(task, now)
    if found == "today" and task.status in tuple(finished):
        return "today_finished"
    return found


class WholeSiteReads:
    """``bucket_counts``, ``bucket_rows`` and ``search_first`` from whole reads."""

    def bucket_counts(self, *, now, finished, assigned_to: str = "", slots=SLOTS):
        tasks = self._open() + self.finished_today(now=now, finished=finished)
        if assigned_to:
            tasks = [t for t in tasks if t.is_assigned_to(assigned_to)]
        counts = dict.fromkeys(SLOTS, 0)
        by_slot: dict[str, list[Task]] = {s: [] for s in SLOTS}
        for task in tasks:
            slot = bucket_of(task, now, finished)
            if slot in slots:
                counts[slot] += 1
                by_slot[slot].append(task)
        return counts, by_slot

    # Everything is read, so any order is the caller's to apply.
    def bucket_rows(self, slot, *, now, finished, assigned_to, k, note, order=None) -> list[Task]:
        return list(note.get(slot, ()))

    def search_first(self, query, *, bucket, age, now, finished, k, order=None):
        rows = []
        for task in self.search_all(query):
            slot = bucket_of(task, now, finished)
            where = "today" if slot == "today_finished" else slot
            if bucket and where != bucket:
                continue
            if age and (where != "overdue" or age_band(overdue_days(task, now)) != age):
                continue
            rows.append(task)
        return rows, len(rows)
