"""The audit log of portal writes: who, site, task, what changed, when, which credential."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet

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
