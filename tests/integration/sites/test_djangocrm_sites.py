"""Registering a Django-CRM site and connecting to it, through the pages."""

from __future__ import annotations

from django.db import connection as django_connection

from portal.sites.models import AuditEntry, Connection, ServiceCredential, Site, SiteGrant
from standin.djangocrm import DjangoCrmSite

ADMIN, SALES1 = "admin@jeddah.test", "sales1@jeddah.test"


def test_an_admin_registers_a_django_crm_site_with_a_token_and_the_doctor_reads_it(
    client, admin_user
):
    with DjangoCrmSite(users=[ADMIN, SALES1], admins=[ADMIN], time_zone="Asia/Riyadh") as crm:
        client.force_login(admin_user)
        missing = client.post("/sites/add/", {"name": "Jeddah", "backend": "djangocrm",
                                              "base_url": crm.url})  # fmt: skip
        assert missing.status_code == 200
        assert "A Django-CRM site needs its organisation" in missing.content.decode()
        response = client.post(
            "/sites/add/",
            {"name": "Jeddah", "backend": "djangocrm", "base_url": crm.url,
             "organisation": crm.org_id, "time_zone": "Asia/Riyadh",
             "service_token": crm.token_for(ADMIN)},
        )  # fmt: skip
        site = Site.objects.get(name="Jeddah")
        assert response["Location"] == f"/sites/{site.pk}/"
        assert site.backend == "djangocrm" and not site.client_id
        credential = ServiceCredential.objects.get(site=site)
        assert credential.kind == ServiceCredential.Kind.TOKEN
        assert credential.last_success_at and not credential.last_error
        assert site.vocabulary["statuses"] == ["New", "In Progress", "Completed"]
        assert site.vocabulary["priorities"] == ["Low", "Medium", "High"]
        page = client.get(f"/sites/{site.pk}/").content.decode()
        assert "In Progress" in page and "OAuth2 provider" not in page
        assert AuditEntry.objects.filter(action="site_add", site=site).exists()


def test_a_person_connects_to_a_django_crm_site_with_their_token(client, member):
    with DjangoCrmSite(users=[ADMIN, SALES1], admins=[ADMIN]) as crm:
        site = Site.objects.create(name="Jeddah", backend="djangocrm", base_url=crm.url,
                                   organisation=crm.org_id, time_zone="UTC")  # fmt: skip
        SiteGrant.objects.create(site=site, user=member)
        client.force_login(member)
        page = client.get(f"/sites/{site.pk}/connect/")
        assert page.status_code == 200 and "personal access token" in page.content.decode()
        refused = client.post(
            f"/sites/{site.pk}/connect/", {"how": "token", "token": "bcrm_pat_no"}
        )
        assert refused.status_code == 400
        assert "did not accept this token" in refused.content.decode()
        assert not Connection.objects.filter(site=site).exists()
        token = crm.token_for(SALES1)
        done = client.post(f"/sites/{site.pk}/connect/", {"how": "token", "token": token})
        assert done["Location"] == f"/sites/{site.pk}/"
        connection = Connection.objects.get(site=site, user=member)
        assert connection.site_user_id == SALES1
        assert connection.token == {"kind": "pat", "access_token": token}
        with django_connection.cursor() as cursor:  # what the database holds is encrypted
            cursor.execute("SELECT token FROM sites_connection WHERE id = %s", [connection.pk])
            (stored,) = cursor.fetchone()
        assert token not in stored
