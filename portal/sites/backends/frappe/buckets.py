"""Frappe's part of the buckets: the finished values of every flavour, and what a CRM site's
validate hook refuses. The portal's own definitions are ``portal.sites.buckets``, re-exported
here for this package's modules."""

from __future__ import annotations

from datetime import datetime

from portal.sites.buckets import (  # noqa: F401
    AGE_BANDS,
    age_band,
    bucket,
    overdue_days,
    portal_status,
    site_status,
    site_statuses,
)

from .models import PortalStatus, Task

# Every finished value of every flavour: safe in "not in" filters on any site.
FINISHED_STATUSES = ("Done", "Canceled", "Completed", "Cancelled")


def statuses_refused(task: Task, now: datetime, flavour: str | None) -> frozenset[PortalStatus]:
    """Portal statuses the site will not take for this task, known before trying."""
    return refused_on_save(flavour=flavour, due=task.due_date, now=now)


def refused_on_save(
    *, flavour: str | None, due: datetime | None, now: datetime
) -> frozenset[PortalStatus]:
    """Portal statuses a save with this due date cannot set. On CRM sites with the mobile API
    (deployed) the app's validate hook sets ``late`` again on every save of a task whose due
    date has passed unless the save makes it Done: In Progress and Canceled come back ``late``
    with a 200 (contract README, "Learned on a second real site"). Open is taken (as ``late``,
    the site's open-and-overdue); a later due date in the same save lifts the rule."""
    if flavour != "deployed" or due is None or due >= now:
        return frozenset()
    return frozenset({"in_progress", "cancelled"})
