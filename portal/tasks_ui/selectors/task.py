"""One task's page: every field the site returns, a link to it on its site, its history here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from portal.sites.access import site_get_for_user
from portal.sites.audit import audit_list
from portal.sites.backends.errors import SiteError
from portal.sites.backends.types import Task
from portal.sites.models import AuditEntry, Connection, Site
from portal.sites.services.clients import site_task_url
from portal.tasks_ui.fanout import SiteProblem, problem_for, within_budget
from portal.tasks_ui.selectors.rows import Person, people_of
from portal.tasks_ui.selectors.sources import Source, people_known, site_call

HISTORY_LIMIT = 50


@dataclass
class TaskView:
    site: Site
    task_id: str
    source: Source | None
    task: Task | None = None
    problem: SiteProblem | None = None
    people: tuple[Person, ...] = ()
    history: list[AuditEntry] = field(default_factory=list)
    reminders: list[Any] | None = None  # None: no notifications app in this portal
    acknowledge: Any = None  # notifications' AckState: stop its escalation, or who did

    @property
    def site_url(self) -> str:
        return site_task_url(self.site, self.task_id)

    @property
    def can_write(self) -> bool:
        return self.source is not None and self.source.can_write and self.task is not None


def source_for(*, user: User, site_id: int) -> tuple[Site, Source | None, SiteProblem | None]:
    """The site (404 unless the user may see it) and the user's usable connection to it."""
    site = site_get_for_user(user=user, site_id=site_id)
    connection = Connection.objects.filter(user=user, site=site).first()
    if connection is None:
        message = _("Connect your account on %(site)s to see and change its tasks.") % {
            "site": site.name
        }
        return site, None, SiteProblem("not_connected", message)
    connection.site = site
    if connection.needs_reconnect:
        message = _("Reconnect your account on %(site)s to see and change its tasks.") % {
            "site": site.name
        }
        return site, None, SiteProblem("reconnect", message)
    return site, Source(site=site, connection=connection), None


def task_read(source: Source, task_id: str) -> Task:
    """A fresh read of one task (never cached: edit forms keep its ``modified``), waited on no
    longer than a page's budget."""
    return within_budget(
        source.site, lambda: site_call(source, lambda backend: backend.get(task_id))
    )


def task_view_for_user(*, user: User, site_id: int, task_id: str) -> TaskView:
    site, source, problem = source_for(user=user, site_id=site_id)
    view = TaskView(site=site, task_id=task_id, source=source, problem=problem)
    if source is not None:
        try:
            view.task = task_read(source, task_id)
        except SiteError as error:
            view.problem = problem_for(error, site)
    if view.task is not None:
        # The assignment picker learns the task's people.
        names, _new = people_known([site.pk], learn=[(site, [view.task])])
        view.people = people_of(view.task, names.get(site.pk, {}))
    view.history = list(audit_list(site_id=site.pk, task_id=str(task_id))[:HISTORY_LIMIT])
    view.reminders = reminder_lines(site_id=site.pk, task_id=task_id)
    view.acknowledge = acknowledge_state(site_id=site.pk, task_id=task_id)
    return view


def acknowledge_state(*, site_id: int, task_id: str) -> Any:
    from portal.notifications.selectors import acknowledge_state_for_task

    return acknowledge_state_for_task(site_id=site_id, task_id=str(task_id))


def reminder_lines(*, site_id: int, task_id: str) -> list[Any] | None:
    """Reminders planned or sent for the task (the notifications' ``HistoryEntry`` rows: when, step,
    channel, recipient, status, rule, error), or None when the notifications app is absent."""
    try:
        from portal.notifications.selectors import reminder_history_for_task
    except ImportError:
        return None
    return list(reminder_history_for_task(site_id=site_id, task_id=task_id))[:HISTORY_LIMIT]
