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


def test_the_doctor_says_when_the_zone_entered_is_not_the_organisations(client, admin_user):
    with DjangoCrmSite(users=[ADMIN], admins=[ADMIN], time_zone="America/Los_Angeles") as crm:
        crm.insert(title="Call back", created_by=ADMIN)
        client.force_login(admin_user)
        client.post(
            "/sites/add/",
            {"name": "Jeddah", "backend": "djangocrm", "base_url": crm.url,
             "organisation": crm.org_id, "time_zone": "Asia/Riyadh",
             "service_token": crm.token_for(ADMIN)},
        )  # fmt: skip
        site = Site.objects.get(name="Jeddah")
        page = client.get(f"/sites/{site.pk}/").content.decode()
        assert "The site writes its times at UTC−08:00" in page
        assert "Asia/Riyadh never had" in page
        # Entering the organisation's zone and checking again clears it.
        site.time_zone = "America/Los_Angeles"
        site.save()
        client.post(f"/sites/{site.pk}/doctor/")
        page = client.get(f"/sites/{site.pk}/").content.decode()
        assert "The site writes its times at" not in page


def test_a_person_connects_with_the_sign_in_code_the_site_emails_and_the_tokens_refresh(
    client, member
):
    from portal.sites.services.clients import backend_for_connection

    with DjangoCrmSite(users=[ADMIN, SALES1], admins=[ADMIN]) as crm:
        site = Site.objects.create(name="Jeddah", backend="djangocrm", base_url=crm.url,
                                   organisation=crm.org_id, time_zone="UTC")  # fmt: skip
        SiteGrant.objects.create(site=site, user=member)
        client.force_login(member)
        sent = client.post(f"/sites/{site.pk}/connect/", {"how": "send_code", "email": SALES1})
        assert sent.status_code == 200 and crm.last_code(SALES1)
        wrong = client.post(f"/sites/{site.pk}/connect/",
                            {"how": "code", "email": SALES1, "code": "000000"})  # fmt: skip
        assert wrong.status_code == 400 and "did not accept this code" in wrong.content.decode()
        code = crm.last_code(SALES1)
        done = client.post(
            f"/sites/{site.pk}/connect/", {"how": "code", "email": SALES1, "code": code}
        )
        assert done["Location"] == f"/sites/{site.pk}/"
        connection = Connection.objects.get(site=site, user=member)
        first = connection.token
        assert connection.site_user_id == SALES1 and first["refresh_token"]
        # The code works once [006]: asking with it again is refused.
        again = client.post(
            f"/sites/{site.pk}/connect/", {"how": "code", "email": SALES1, "code": code}
        )
        assert again.status_code == 400

        # An access token past its expiry is refreshed once, and the rotated pair stored.
        connection.token = {**first, "expires_at": 0}
        connection.save()
        crm.insert(title="Visible to sales1", assignees=[SALES1])
        tasks = backend_for_connection(Connection.objects.get(pk=connection.pk)).open_tasks()
        assert [t.title for t in tasks] == ["Visible to sales1"]
        stored = Connection.objects.get(pk=connection.pk).token
        assert stored["refresh_token"] != first["refresh_token"]
        assert sum(1 for r in crm.requests if r["path"] == "/api/auth/refresh-token/") == 1


def test_the_health_badge_of_a_django_crm_site_follows_its_service_token(client, admin_user):
    from portal.sites.services.health import site_health, site_health_refresh

    with DjangoCrmSite(users=[ADMIN], admins=[ADMIN], time_zone="Asia/Riyadh") as crm:
        client.force_login(admin_user)
        client.post("/sites/add/", {
            "name": "Jeddah", "backend": "djangocrm", "base_url": crm.url,
            "organisation": crm.org_id, "time_zone": "Asia/Riyadh",
            "service_token": crm.token_for(ADMIN),
        })  # fmt: skip
        site = Site.objects.get(name="Jeddah")
        site_health_refresh(site=site)
        health = site_health(site=Site.objects.get(pk=site.pk))
        assert (health.level, health.reachable, health.credential_ok) == ("ok", True, True)

        credential = ServiceCredential.objects.get(site=site)
        credential.api_secret = "bcrm_pat_revoked"
        credential.save()
        site_health_refresh(site=site)
        health = site_health(site=Site.objects.get(pk=site.pk))
        assert (health.level, health.reachable, health.credential_ok) == ("error", True, False)
        listed = client.get("/sites/").content.decode()
        assert "Jeddah" in listed and "Organization context is required" in listed
