"""Reminders over Frappe and Django-CRM sites together: one digest per person, both kinds."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from portal.notifications.models import Delivery
from portal.notifications.services.messages import message_render
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.sites.models import ServiceCredential, Site
from standin.djangocrm import DjangoCrmSite
from tests.integration.notifications.conftest import T0, make_rule

pytestmark = pytest.mark.django_db

SALES1 = "sales1@riyadh.test"  # the same person on both sites
ADMIN = "admin@jeddah.test"


@pytest.fixture
def jeddah(sites):
    with DjangoCrmSite(users=[ADMIN, SALES1], admins=[ADMIN], time_zone="Asia/Riyadh") as crm:
        crm.today = T0.astimezone(ZoneInfo("Asia/Riyadh")).date()
        site = Site.objects.create(
            name="Jeddah Ops", backend=Site.Backend.DJANGOCRM, base_url=crm.url,
            organisation=crm.org_id, time_zone="Asia/Riyadh",
        )  # fmt: skip
        ServiceCredential.objects.create(
            site=site, kind=ServiceCredential.Kind.TOKEN, api_secret=crm.token_for(ADMIN)
        )
        yield crm, site


def test_one_digest_covers_the_overdue_tasks_of_both_kinds_of_site(
    tasks, sites, jeddah, email_channel
):
    crm, site = jeddah
    make_rule()
    frappe_task = tasks.add("riyadh", title="Frappe, two days", due=T0 - timedelta(days=2),
                            assignees=[SALES1])  # fmt: skip
    crm_task = crm.insert(title="Django-CRM, three days", due=crm.today - timedelta(days=3),
                          assignees=[SALES1], created_by=ADMIN)  # fmt: skip
    crm.insert(title="Not overdue yet", due=crm.today, assignees=[SALES1], created_by=ADMIN)

    scan_run_inline(run=scan_run_start(trigger="test"))

    digest = Delivery.objects.get(recipient=SALES1)
    assert digest.shape == "digest"
    items = {(i.site_id, i.task_id) for i in digest.items.all()}
    assert items == {(sites["riyadh"].pk, frappe_task), (site.pk, crm_task)}

    # A Django-CRM due date is a day: printed as the day, not as the midnight after it.
    message = message_render(digest)
    due_day = (crm.today - timedelta(days=3)).isoformat()
    for body in (message.text, message.html):
        assert f"due {due_day}" in body and f"due {due_day} 00:00" not in body
    assert re.search(r"due \d{4}-\d\d-\d\d \d\d:\d\d", message.text)  # Frappe's has a time


def test_a_task_completed_on_a_django_crm_site_stops_its_reminders_at_the_next_scan(
    sites, jeddah, email_channel, clocks
):
    from portal.notifications.models import DeliveryItem, WatchedTask
    from portal.sites.services.cache import site_cache_version

    crm, site = jeddah
    make_rule(repeat_every_hours=24, max_repeats=5)
    task = crm.insert(title="Visit the tenant", due=crm.today - timedelta(days=2),
                      assignees=[SALES1], created_by=ADMIN)  # fmt: skip
    scan_run_inline(run=scan_run_start(trigger="test"))
    assert WatchedTask.objects.filter(site=site, task_id=task).exists()
    assert DeliveryItem.objects.filter(site_id=site.pk, task_id=task).count() == 1

    # Someone completes it on the site; no webhook tells the portal, only the next poll can.
    done = requests.patch(f"{crm.url}/api/tasks/{task}/", json={"status": "Completed"},
                          headers={"Authorization": f"Bearer {crm.token_for(ADMIN)}"},
                          timeout=10)  # fmt: skip
    assert done.status_code == 200 and crm.tasks[task]["status"] == "Completed"
    clocks.advance(hours=24)
    version = site_cache_version(site.pk)
    scan_run_inline(run=scan_run_start(trigger="test"))
    assert not WatchedTask.objects.filter(site=site, task_id=task).exists()
    assert site_cache_version(site.pk) > version  # no page serves the answer from before
    assert DeliveryItem.objects.filter(site_id=site.pk, task_id=task).count() == 1
