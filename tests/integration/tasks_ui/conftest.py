"""Fixtures for the task pages: a portal member granted stand-in sites and connected to them.

Pages ask sites from worker threads with their own database connections, so these tests use
transactional databases (rows committed, visible to every thread).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from portal.sites.models import Connection, Profile, ServiceCredential, Site, SiteGrant
from standin.djangocrm import DjangoCrmSite

from .helpers import JEDDAH_ADMIN as ADMIN
from .helpers import JEDDAH_SALES1 as SALES1
from .helpers import JEDDAH_ZONE as ZONE


@pytest.fixture
def site_login(connect, transactional_db):
    """site_login(user, site, "sales1"): the portal user's OAuth connection to the stand-in site
    as that site user (a real token, as the `connect` fixture makes it)."""
    return connect


@pytest.fixture
def member(django_user_model, transactional_db):
    user = django_user_model.objects.create_user("mona", password="Mona-Pass-2026!")
    Profile.objects.create(user=user, role=Profile.Role.MEMBER)
    return user


@pytest.fixture
def grant():
    def make(user, *sites):
        for site in sites:
            SiteGrant.objects.get_or_create(site=site, user=user)

    return make


ZONES = {"riyadh": "Asia/Riyadh", "cairo": "Africa/Cairo", "plainsite": "UTC"}


@pytest.fixture
def frozen_now(standin_reset, settings, tmp_path):
    """One instant for the portal and every stand-in site, so a bucket boundary cannot pass
    between what a test expects and what a page computes."""
    from datetime import UTC, datetime

    from portal import clock

    now = datetime.now(UTC).replace(second=30, microsecond=0)
    settings.PORTAL_CLOCK_FILE = str(tmp_path / "clock.json")
    clock.set_clock(settings.PORTAL_CLOCK_FILE, frozen=now)
    for handle in standin_reset.sites.values():
        handle.control.set_clock(now=now.isoformat())
    return now


@pytest.fixture
def three_sites(portal_site, member, grant, site_login, frozen_now):
    """The three flavours registered with their zones, granted to `member` and connected as
    sales1 on each."""
    sites = {name: portal_site(name, time_zone=zone) for name, zone in ZONES.items()}
    grant(member, *sites.values())
    for site in sites.values():
        site_login(member, site, "sales1")
    return sites


@pytest.fixture(autouse=True)
def bulk_queue(settings):
    """Each test's bulk jobs go to a queue of its own, emptied afterwards: a worker a test
    starts takes only that test's messages, and no message outlives its test."""
    import uuid

    from celery import current_app

    queue = f"bulk-{uuid.uuid4().hex[:8]}"
    settings.INBOX_BULK_QUEUE = queue
    yield queue
    with current_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


@pytest.fixture
def bulk_worker(transactional_db, tmp_path, settings, bulk_queue):
    """Starts real Celery worker processes on this test's bulk queue, reading its clock file;
    ``bulk_worker()`` starts one (call again for a second one, or a replacement)."""
    from tests.integration.conftest import start_worker

    started = []

    def start():
        env = {"INBOX_BULK_QUEUE": bulk_queue}
        if settings.PORTAL_CLOCK_FILE:
            env["PORTAL_CLOCK_FILE"] = str(settings.PORTAL_CLOCK_FILE)
        worker = start_worker(
            log_path=tmp_path / f"bulk-worker-{len(started)}.log", queue=bulk_queue, extra_env=env
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def jeddah(three_sites, member, frozen_now):
    """A Django-CRM stand-in (organisation on Riyadh time) registered beside the Frappe sites,
    granted to ``member``, who is connected with a personal access token as sales1; scheduled
    jobs use the admin's token."""
    with DjangoCrmSite(users=[ADMIN, SALES1], admins=[ADMIN], time_zone=ZONE) as crm:
        crm.today = frozen_now.astimezone(ZoneInfo(ZONE)).date()
        site = Site.objects.create(
            name="Jeddah Ops", backend=Site.Backend.DJANGOCRM, base_url=crm.url,
            organisation=crm.org_id, time_zone=ZONE,
        )  # fmt: skip
        SiteGrant.objects.create(site=site, user=member)
        Connection.objects.create(
            user=member, site=site, site_user_id=SALES1,
            token={"kind": "pat", "access_token": crm.token_for(SALES1)},
        )  # fmt: skip
        ServiceCredential.objects.create(
            site=site, kind=ServiceCredential.Kind.TOKEN, api_secret=crm.token_for(ADMIN)
        )
        yield crm, site
