"""The capability probe (issue 6's connection doctor) over recorded answers."""

from __future__ import annotations

import pytest

from .recordings import answer, body_of

FILTER = "/api/method/crm.api.mobile_api.filter_tasks"
ANY_LIST = ("fields", "limit_page_length", "order_by")


def no_credentials(request) -> None:
    assert "Authorization" not in request.headers


def expect_sales_user_site(site) -> None:
    site.expect("211", check=no_credentials)  # reachable, OAuth discovery
    site.expect("238")  # who the credential is
    site.expect("206", relax=("limit", "page"))  # mobile_api and its envelope
    site.expect("200")  # vocabularies and writer roles
    site.expect("068", relax=ANY_LIST)  # the generic list is readable
    site.expect("100", relax=("Authorization",))  # roles
    site.expect("205")  # time zone: not for a Sales User


def test_probe_of_a_deployed_site_with_a_sales_user(site, client):
    expect_sales_user_site(site)
    found = client.probe()
    assert (found.reachable, found.flavour, found.user_id) == (True, "deployed", "sales1@lab.local")
    assert (found.can_read_list, found.can_write, found.credential_valid) == (True, True, True)
    fields = body_of("200")["data"]["fields"]
    statuses = next(f["options"] for f in fields if f["fieldname"] == "status").split("\n")
    assert found.vocabulary.statuses == tuple(statuses)


def test_probe_reports_discovery_endpoints(site, client):
    expect_sales_user_site(site)
    oauth = client.probe().oauth
    assert oauth["token_endpoint"] == body_of("211")["token_endpoint"]


def test_probe_asks_for_the_time_zone_when_unreadable(site, client):
    expect_sales_user_site(site)
    found = client.probe()
    assert found.time_zone is None and any("time zone" in f for f in found.findings)


def test_probe_teaches_the_client_its_flavour(site, client):
    client.flavour = None
    expect_sales_user_site(site)
    client.probe()
    assert client.flavour == "deployed"


def test_probe_of_an_account_without_a_crm_role(site, client):
    site.expect("211").expect("238", answer=answer(200, {"message": "norole@lab.local"}))
    site.expect("206", relax=("limit", "page"))
    site.expect("200")
    site.expect("078", relax=ANY_LIST)
    site.expect("100", relax=("Authorization",), answer=answer(200, {"message": {"roles": []}}))
    site.expect("205")
    found = client.probe()
    assert (found.can_read_list, found.can_write) == (False, False)
    assert any("CRM role" in f for f in found.findings)


def test_probe_of_a_plain_site(site, client):
    client.flavour = None
    site.expect("211").expect("238")
    site.expect_request(
        "GET", FILTER, query={"limit": "1", "page": "1", "offset": "0"},
        answer=answer(417, body_of("245")),
    )  # fmt: skip
    site.expect("200").expect("068", relax=ANY_LIST).expect("205")
    found = client.probe()
    assert found.flavour == "plain" and found.can_write is None
    assert any("mobile API is not installed" in f for f in found.findings)


def test_probe_with_a_rejected_credential_stops_early(site, client):
    site.expect("211").expect("188", relax=("Authorization",))
    found = client.probe()
    assert found.credential_valid is False and found.vocabulary is None


@pytest.mark.parametrize("status", [502, 504])
def test_probe_of_an_unreachable_site(site, client, status):
    site.expect_request(
        "GET",
        "/api/method/frappe.integrations.oauth2.openid_configuration",
        answer=answer(status, ""),
    )
    found = client.probe()
    assert found.reachable is False and found.findings
