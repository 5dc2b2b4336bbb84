"""Did the site do what was asked? A write's answer compared with the write.

A 200 is not a success by itself. A real CRM site answers a change of an overdue task to In
Progress or Canceled with 200 and ``"status": "late"``: its validate hook sets ``late`` again on
every save, so the change is refused without an error (contract README, "Learned on a second
real site"). Every write therefore compares the task the site answered with the fields it sent
(the backend's ``unapplied``); any field that differs means the write did not happen as
asked, and callers report it as failed: to the person, in the audit log and in bulk results.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.sites.backends.base import TaskBackend, TaskChanges, Unapplied
from portal.sites.backends.errors import SiteError
from portal.sites.backends.types import Task


class WriteNotApplied(SiteError):
    """The site answered the write without an error but did not make the change. ``task`` is
    the task as the site answered it; ``audit_text`` says in English what differed."""

    def __init__(
        self, message: str, *, task: Task, differences: tuple[Unapplied, ...], site: str | None
    ) -> None:
        super().__init__(message, site=site, status=200)
        self.task = task
        self.differences = differences

    @property
    def audit_text(self) -> str:
        parts = [f"{d.field} is {d.answered!r}, not {d.asked!r}" for d in self.differences]
        return "refused by the site (answered 200): " + ("; ".join(parts) or "nothing changed")


def write_checked(
    *, backend: TaskBackend, asked: TaskChanges, answer: Task, site_name: str
) -> Task:
    """``answer`` when it shows every asked field; raises ``WriteNotApplied`` otherwise."""
    differences = backend.unapplied(asked, answer)
    if not differences:
        return answer
    raise WriteNotApplied(
        refusal_words(
            differences, site_name=site_name, kept_overdue=backend.kept_overdue(differences)
        ),
        task=answer,
        differences=differences,
        site=site_name,
    )


def refusal_words(
    differences: tuple[Unapplied, ...], *, site_name: str, kept_overdue: bool = False
) -> str:
    """What the person reads. The refusal real sites make most (an overdue task kept ``late``)
    is said as the rule it is."""
    if kept_overdue:
        return _(
            "%(site)s kept this task late: an overdue task can only be marked done there "
            "(or given a later due date first)."
        ) % {"site": site_name}
    shown = "; ".join(
        _("%(field)s is “%(answered)s”, not “%(asked)s”")
        % {"field": field_words(d.field), "answered": d.answered or "—", "asked": d.asked or "—"}
        for d in differences
    )
    return _("%(site)s answered without making the change: %(fields)s.") % {
        "site": site_name,
        "fields": shown,
    }


def field_words(name: str) -> str:
    return {
        "title": _("the title"),
        "description": _("the description"),
        "status": _("the status"),
        "priority": _("the priority"),
        "task_type": _("the task type"),
        "start_date": _("the start"),
        "due_date": _("the due date"),
        "assignees": _("the assignees"),
    }.get(name, name)
