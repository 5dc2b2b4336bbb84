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
    assert checks == {"reachable": True, "oauth": True, "redirect_uri": None}
    assert site.flavour == ""


def test_a_service_account_without_a_crm_role_is_named_with_its_fix(portal_site):
    site = portal_site("riyadh", service_user="norole")
    check = next(c for c in site.capabilities["checks"] if c["key"] == "crm_role")
    assert check["ok"] is False
    assert "Sales User" in check["fix"]
