"""Admin pages for sites, the health badge on demand, the audit log and its retention."""

from datetime import timedelta

import pytest

from portal import clock
from portal.sites.audit import audit_purge, audit_record
from portal.sites.models import AuditEntry, ServiceCredential, Site, SiteGrant

pytestmark = pytest.mark.django_db


def test_adding_a_site_with_bad_input_keeps_the_input_and_says_why(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/sites/add/",
        {"name": "Jeddah", "base_url": "ftp://jeddah.example", "client_id": "abc",
         "time_zone": "Mars/Olympus", "service_api_key": "k"},
    )  # fmt: skip
    assert response.status_code == 200
    body = response.content.decode()
    assert "Jeddah" in body and "abc" in body  # nothing typed is lost
    assert "Unknown time zone" in body
    assert "Enter both the API key and its secret." in body
    assert not Site.objects.exists()


def test_adding_a_stand_in_site_with_a_key_runs_the_doctor_at_once(client, admin_user, standin):
    handle = standin.sites["cairo"]
    client.force_login(admin_user)
    response = client.post(
        "/sites/add/",
        {"name": "Cairo", "base_url": handle.url, "client_id": "portal",
         "service_api_key": "sales1keycairo.", "service_api_secret": "sales1secretcairo."},
    )  # fmt: skip
    site = Site.objects.get(name="Cairo")
    assert response["Location"] == f"/sites/{site.pk}/"
    assert site.flavour == "documented"
    credential = ServiceCredential.objects.get(site=site)
    assert credential.has_crm_role and credential.last_success_at and not credential.last_error
    page = client.get(f"/sites/{site.pk}/").content.decode()
    assert "Completed" in page and "sales1@cairo.test" in page
    assert AuditEntry.objects.filter(action="site_add", site=site).exists()


def test_disabling_hides_a_site_from_members_and_enabling_brings_it_back(
    client, admin_user, member, site_a
):
    client.force_login(admin_user)
    client.post(f"/sites/{site_a.pk}/toggle/")
    client.force_login(member)
    assert client.get(f"/sites/{site_a.pk}/").status_code == 404
    client.force_login(admin_user)
    client.post(f"/sites/{site_a.pk}/toggle/")
    client.force_login(member)
    assert client.get(f"/sites/{site_a.pk}/").status_code == 200


def test_checking_health_now_swaps_the_row_with_the_failure(client, member, portal_site, standin):
    site = portal_site("riyadh", time_zone="Asia/Riyadh")  # an unknown zone needs attention
    SiteGrant.objects.create(site=site, user=member)
    standin.sites["riyadh"].control.set_faults([{"kind": "refuse"}])
    client.force_login(member)
    response = client.post(f"/sites/{site.pk}/health/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith(f'<tr id="site-{site.pk}"')
    assert "failing" in body
    standin.sites["riyadh"].control.clear_faults()
    body = client.post(f"/sites/{site.pk}/health/", headers={"HX-Request": "true"}).content
    assert b"healthy" in body


def test_the_audit_log_filters_by_site_person_and_action(client, admin_user, site_a, site_b):
    audit_record(user=admin_user, site=site_a, action="edit", task_id=17, changes={"title": "x"})
    audit_record(user=admin_user, site=site_b, action="delete", task_id=18)
    client.force_login(admin_user)
    body = client.get(f"/sites/audit/?site={site_a.pk}&action=edit").content.decode()
    assert "17" in body and "Site A" in body and ">18<" not in body


def test_old_audit_entries_are_purged_after_the_retention(settings, site_a):
    settings.AUDIT_RETENTION_DAYS = 30
    old = audit_record(user=None, site=site_a, action="edit")
    AuditEntry.objects.filter(pk=old.pk).update(at=clock.now() - timedelta(days=31))
    kept = audit_record(user=None, site=site_a, action="edit")
    assert audit_purge() == 1
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [kept.pk]


def test_an_admin_grants_a_site_to_a_group_and_its_members_see_it(
    client, admin_user, outsider, site_a
):
    client.force_login(admin_user)
    client.post("/sites/groups/add/", {"name": "Riyadh team", "sites": [site_a.pk]})
    from django.contrib.auth.models import Group

    outsider.groups.add(Group.objects.get(name="Riyadh team"))
    client.force_login(outsider)
    assert client.get(f"/sites/{site_a.pk}/").status_code == 200


def test_people_pages_render_for_admins(client, admin_user, member, team, group):
    client.force_login(admin_user)
    for url in ("/sites/people/", "/sites/people/add/", f"/sites/people/{member.pk}/",
                "/sites/groups/add/", f"/sites/groups/{group.pk}/", "/sites/teams/add/",
                f"/sites/teams/{team.pk}/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"<form" in response.content


def test_an_admin_sets_a_persons_role_and_grants(client, admin_user, outsider, site_a, site_b):
    client.force_login(admin_user)
    response = client.post(
        f"/sites/people/{outsider.pk}/",
        {"role": "lead", "language": "ar", "sites": [site_b.pk], "is_active": "on",
         "email": "otto@portal.test"},
    )  # fmt: skip
    assert response.status_code == 302
    outsider.refresh_from_db()
    assert outsider.profile.role == "lead" and outsider.profile.language == "ar"
    assert outsider.email == "otto@portal.test"  # where their reminders go
    assert list(SiteGrant.objects.filter(user=outsider).values_list("site__name", flat=True)) == [
        "Site B"
    ]
    assert AuditEntry.objects.filter(action="access_edit").exists()
    bad = {"role": "lead", "language": "ar", "email": "not an address"}
    refused = client.post(f"/sites/people/{outsider.pk}/", bad)
    assert refused.status_code == 200 and b"not an address" in refused.content
    outsider.refresh_from_db()
    assert outsider.email == "otto@portal.test"
