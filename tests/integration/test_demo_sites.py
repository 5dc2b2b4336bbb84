"""The Django-CRM demo site `make run` starts beside the Frappe ones: registered, connected,
read by the doctor, and its tasks in the demo member's inbox."""

from __future__ import annotations

import pytest

from portal.ops.demo import demo_djangocrm_site, demo_user
from portal.sites.models import Connection, Profile
from portal.sites.services.registry import site_doctor
from standin.djangocrm.demo import DEMO_TOKENS, ORG, SALES1, ZONE, demo_site
from tests.integration.tasks_ui.helpers import row_keys

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_registers_and_connects_the_django_crm_site(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    member, _ = demo_user("mona", role=Profile.Role.MEMBER)
    lead, _ = demo_user("layla", role=Profile.Role.LEAD, language="ar")
    with demo_site() as crm:
        ready = {"url": crm.url, "org_id": crm.org_id, "name": ORG, "time_zone": ZONE,
                 "tokens": DEMO_TOKENS}  # fmt: skip
        site = demo_djangocrm_site(ready, member=member, lead=lead)
        site = demo_djangocrm_site(ready, member=member, lead=lead)  # every start: idempotent
        site_doctor(site=site)
        site.refresh_from_db()
        assert site.vocabulary["statuses"] == ["New", "In Progress", "Completed"]
        assert Connection.objects.get(site=site, user=member).site_user_id == SALES1
        client.force_login(member)
        overdue = client.get("/?scope=mine&bucket=overdue").content.decode()
        mine_overdue = [t for t in crm.tasks.values()
                        if SALES1 in _emails(crm, t) and t["status"] != "Completed"
                        and t["due_date"] and t["due_date"] < crm.state.now().astimezone(
                            crm.state.orgs[crm.org_id].zone).date().isoformat()]  # fmt: skip
        assert mine_overdue
        assert {k for k in row_keys(overdue) if k[0] == site.pk} == {
            (site.pk, t["id"]) for t in mine_overdue
        }


def _emails(crm, task) -> set[str]:
    by_profile = {m.profile_id: email for email, m in crm.users.items()}
    return {by_profile[p] for p in task["assigned_to"]}


def test_the_demo_registers_the_espocrm_site_connects_by_password_and_makes_its_webhooks(
    client, settings, tmp_path
):
    from portal.ops.demo import demo_espocrm_site
    from standin.espocrm.demo import DEMO_API_USER, DEMO_PASSWORD, NAME
    from standin.espocrm.demo import ZONE as ESPO_ZONE
    from standin.espocrm.demo import demo_site as espo_demo_site

    settings.DATA_DIR = tmp_path
    member, _ = demo_user("mona", role=Profile.Role.MEMBER)
    lead, _ = demo_user("layla", role=Profile.Role.LEAD, language="ar")
    with espo_demo_site() as espo:
        _name, key, secret = DEMO_API_USER
        ready = {"url": espo.url, "name": NAME, "time_zone": ESPO_ZONE, "api_key": key,
                 "api_secret": secret, "user": "sales1", "password": DEMO_PASSWORD}  # fmt: skip
        site = demo_espocrm_site(ready, member=member, lead=lead)
        site = demo_espocrm_site(ready, member=member, lead=lead)  # every start: idempotent
        site_doctor(site=site)
        site.refresh_from_db()
        assert "Deferred" in site.vocabulary["statuses"] and site.webhook_secret
        assert len(espo.webhooks) == 4  # kept, not doubled, on the second start
        connection = Connection.objects.get(site=site, user=member)
        assert connection.site_user_id == espo.user_id("sales1")
        assert DEMO_PASSWORD not in str(connection.token)
        client.force_login(member)
        overdue = client.get("/?scope=mine&bucket=overdue").content.decode()
        assert "Replace the chiller filter" in overdue and "Inspect the fire doors" in overdue
        assert "Service the lift" not in overdue  # the admin's
