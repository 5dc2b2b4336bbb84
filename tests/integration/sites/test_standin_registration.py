"""Registering stand-in sites: the doctor learns flavour, options and zone with the service
credential, for every flavour."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "flavour", "statuses"),
    [
        ("riyadh", "deployed", ["Backlog", "Todo", "In Progress", "Done", "Canceled", "late"]),
        ("cairo", "documented", ["Open", "In Progress", "Completed", "Cancelled"]),
        ("plainsite", "plain", ["Backlog", "Todo", "In Progress", "Done", "Canceled"]),
    ],
)
def test_the_doctor_learns_each_flavour_and_its_options(portal_site, name, flavour, statuses):
    site = portal_site(name)
    assert site.flavour == flavour
    assert sorted(site.vocabulary["statuses"]) == sorted(statuses)
    assert site.vocabulary["priorities"] == ["Low", "Medium", "High"]
    checks = {check["key"]: check["ok"] for check in site.capabilities["checks"]}
    assert checks["reachable"] and checks["credential"] and checks["crm_role"]


def test_an_anonymous_doctor_only_says_what_it_can_know(portal_site):
    site = portal_site("riyadh", service_user=None)
    checks = {check["key"]: check["ok"] for check in site.capabilities["checks"]}
    assert checks == {"reachable": True, "oauth": True, "redirect_uri": None, "allowed_roles": None}
    assert site.flavour == ""


def test_a_service_account_without_a_crm_role_is_named_with_its_fix(portal_site):
    site = portal_site("riyadh", service_user="norole")
    check = next(c for c in site.capabilities["checks"] if c["key"] == "crm_role")
    assert check["ok"] is False
    assert "Sales User" in check["fix"]


def test_the_doctors_findings_read_in_the_language_of_whoever_opens_the_page(
    portal_site, client, django_user_model
):
    from portal.sites.models import Profile

    site = portal_site("riyadh", service_user="norole")  # checked in English, stored once
    admin = django_user_model.objects.create_user("ada")
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    client.force_login(admin)
    english = client.get(f"/sites/{site.pk}/").content.decode()
    assert "Site reachable" in english and "Give this site user a CRM role" in english
    assert "CRM with mobile API (deployed)" in english
    client.cookies["django_language"] = "ar"
    arabic = client.get(f"/sites/{site.pk}/").content.decode()
    assert "الموقع متاح" in arabic and "امنح مستخدم الموقع هذا دورًا في CRM" in arabic
    assert "CRM مع واجهة الجوال (النسخة المنشورة)" in arabic
    assert f"في عميل OAuth الخاص بالموقع ({site.client_id})" in arabic  # with its parameter
    assert "Site reachable" not in arabic
    # Lists take the Arabic comma in Arabic, the Latin one in English.
    assert "<bdi>Low</bdi>، <bdi>Medium</bdi>" in arabic
    assert "<bdi>Low</bdi>, <bdi>Medium</bdi>" in english
