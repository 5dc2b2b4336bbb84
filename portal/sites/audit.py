"""The audit log of portal writes: who, site, task, what changed, when, which credential."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal import clock
from portal.sites.models import AuditEntry, Site


def audit_record(
    *,
    user: User | None,
    site: Site | None,
    action: str,
    task_id: str | int = "",
    changes: dict | None = None,
    credential: str = "",
    ok: bool = True,
    error: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        at=clock.now(),
        user=user if user is not None and user.is_authenticated else None,
        username=user.get_username() if user is not None and user.is_authenticated else "",
        site=site,
        site_name=site.name if site else "",
        task_id=str(task_id or ""),
        action=action,
        changes=changes or {},
        credential=credential[:200],
        ok=ok,
        error=error[:2000],
    )


def audit_list(
    *,
    site_id: int | None = None,
    username: str = "",
    action: str = "",
    task_id: str = "",
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if site_id:
        entries = entries.filter(site_id=site_id)
    if username:
        entries = entries.filter(username__icontains=username)
    if action:
        entries = entries.filter(action=action)
    if task_id:
        entries = entries.filter(task_id=task_id)
    return entries


def audit_purge() -> int:
    """Deletes entries older than AUDIT_RETENTION_DAYS; returns how many."""
    cutoff = clock.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted


# --- reading the log: actions and changes in words ------------------------------------------
# Entries keep the portal's internal names (stable for filters and exports); pages show these.

_ACTIONS = {
    "task_create": _("Created the task"),
    "task_edit": _("Edited the task"),
    "task_status": _("Changed the status"),
    "task_reassign": _("Changed who it is assigned to"),
    "task_delete": _("Deleted the task"),
    "write_access_recheck": _("Checked the right to change tasks"),
    "reminder_done": _("Marked done from a reminder"),
    "reminder_snooze": _("Snoozed from a reminder"),
    "reminder_acknowledge": _("Acknowledged the task's reminders"),
    "reminder_channels": _("Chose the channels of reminders"),
    "personal_apprise_set": _("Set a personal notification address"),
    "personal_apprise_remove": _("Removed a personal notification address"),
    "api_token_create": _("Made an API token"),
    "api_token_revoke": _("Revoked an API token"),
    "reminder_settings": _("Changed reminder settings"),
    "reminder_opt_in": _("Reminders allowed again for an address"),
    "reminder_opt_out": _("Reminders stopped for an address"),
    "reminder_rule_edit": _("Saved a reminder rule"),
    "reminder_rule_remove": _("Removed a reminder rule"),
    "channel_add": _("Added a channel"),
    "channel_edit": _("Edited a channel"),
    "channel_remove": _("Removed a channel"),
    "webhook_secret_set": _("Set the webhook secret"),
    "connect": _("Connected an account"),
    "connect_code_sent": _("Sent a sign-in code"),
    "disconnect": _("Disconnected an account"),
    "service_credential": _("Set the service credential"),
    "site_add": _("Added a site"),
    "site_edit": _("Edited a site"),
    "site_enable": _("Enabled a site"),
    "site_disable": _("Disabled a site"),
    "site_remove": _("Removed a site"),
    "user_add": _("Added a person"),
    "access_edit": _("Changed a person's access"),
    "team_edit": _("Saved a team"),
    "team_remove": _("Removed a team"),
}

_FIELDS = {
    "title": _("Title"),
    "description": _("Description"),
    "status": _("Status"),
    "priority": _("Priority"),
    "task_type": _("Task type"),
    "start_date": _("Starts"),
    "due_date": _("Due"),
    "assignees": _("Assigned to"),
    "assigned_to": _("Assigned to"),
    "by": _("By"),
    "site answered": _("The site answered"),
    "checked": _("Checked"),
    "site_user_id": _("Site user"),
    "base_url": _("Address"),
    "client_id": _("OAuth client id"),
    "active": _("Active"),
    "site": _("Site"),
    "sites": _("Sites"),
    "kind": _("Kind"),
    "api_key": _("API key"),
    "user": _("Person"),
    "email": _("Email"),
    "role": _("Role"),
    "group": _("Group"),
    "team": _("Team"),
    "lead": _("Team lead"),
    "rule": _("Rule"),
    "channel": _("Channel"),
    "address": _("Address"),
    "until": _("Until"),
    "time_zone": _("Time zone"),
    "opted_out": _("Reminders stopped"),
}

# The portal's own status values, as a status change records them.
_STATUSES = {
    "open": pgettext_lazy("task status", "Open"),
    "in_progress": pgettext_lazy("task status", "In progress"),
    "done": pgettext_lazy("task status", "Done"),
    "cancelled": pgettext_lazy("task status", "Cancelled"),
}


def audit_action_label(action: str) -> str:
    """An action in words; one the table lacks, with its underscores read as spaces."""
    label = _ACTIONS.get(action)
    return str(label) if label is not None else action.replace("_", " ").capitalize()


def audit_field_label(key: str) -> str:
    label = _FIELDS.get(key)
    return str(label) if label is not None else key.replace("_", " ").capitalize()


def audit_value_text(key: str, value: Any) -> str:
    """A recorded value as a person reads it: lists joined, yes and no, nothing as a dash,
    a status change in the portal's words. Never Python's own spelling of a value."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple):
        return str(_(", ")).join(audit_value_text(key, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{audit_field_label(str(k))}: {audit_value_text(str(k), v)}" for k, v in value.items()
        )
    if key == "status" and value in _STATUSES:
        return str(_STATUSES[value])
    return str(value)


def audit_changes_words(changes: dict | None) -> list[tuple[str, str]]:
    """``[(label, value), ...]`` of an entry's changes, in the order they were recorded."""
    return [
        (audit_field_label(str(key)), audit_value_text(str(key), value))
        for key, value in (changes or {}).items()
    ]
