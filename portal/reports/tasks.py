"""Scheduled work of reports: each task loads by id and calls a service."""

from celery import shared_task

from portal.reports.services.digest import digest_recipients, digest_send
from portal.reports.services.snapshot import snapshot_take
from portal.sites.models import Site


@shared_task(name="portal.reports.tasks.snapshot_all", ignore_result=True)
def snapshot_all() -> None:
    """One task per site, so a slow or failing site delays no other."""
    sites = Site.objects.filter(is_active=True, service_credential__isnull=False)
    for site_id in sites.values_list("pk", flat=True):
        snapshot_site.delay(site_id)


@shared_task(name="portal.reports.tasks.snapshot_site", ignore_result=True)
def snapshot_site(site_id: int) -> None:
    site = Site.objects.filter(pk=site_id, is_active=True).first()
    if site is not None:
        snapshot_take(site=site)


@shared_task(name="portal.reports.tasks.digest_all", ignore_result=True)
def digest_all() -> None:
    for user in digest_recipients():
        digest_one.delay(user.pk)


@shared_task(name="portal.reports.tasks.digest_one", ignore_result=True)
def digest_one(user_id: int) -> None:
    from django.contrib.auth.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        digest_send(user=user)
