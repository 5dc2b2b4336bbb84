"""Scheduled work of the sites app: each task loads by id and calls a service."""

from celery import shared_task

from portal.sites.audit import audit_purge
from portal.sites.models import Site
from portal.sites.services.health import site_health_refresh


@shared_task(name="portal.sites.tasks.refresh_health_all", ignore_result=True)
def refresh_health_all() -> None:
    """Fans out one task per active site, so one slow site delays no other."""
    for site_id in Site.objects.filter(is_active=True).values_list("pk", flat=True):
        refresh_health.delay(site_id)


@shared_task(name="portal.sites.tasks.refresh_health", ignore_result=True)
def refresh_health(site_id: int) -> None:
    site = Site.objects.filter(pk=site_id, is_active=True).first()
    if site is not None:
        site_health_refresh(site=site)


@shared_task(name="portal.sites.tasks.purge_audit", ignore_result=True)
def purge_audit() -> int:
    return audit_purge()
