"""Connecting a portal account to a site through the site's own login and consent steps, and
every way the callback can fail ending on a readable page."""

import pytest

from portal.sites.models import Connection
from portal.sites.services.connect import SESSION_KEY
from tests.integration.sites.oauth_helpers import authorize_at_site, portal_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def riyadh(portal_site, member):
    from portal.sites.models import SiteGrant

    site = portal_site("riyadh", service_user=None)  # as an admin adds it: no credential yet
    SiteGrant.objects.get_or_create(site=site, user=member)
    return site


def start(client, site) -> str:
    response = client.get(f"/sites/{site.pk}/connect/")
    assert response.status_code == 302
    return response["Location"]


def test_a_member_connects_and_the_doctor_learns_the_site(client, member, riyadh):
    client.force_login(member)
    auth_url = start(client, riyadh)
    assert "code_challenge_method=S256" in auth_url and "state=" in auth_url
    back = authorize_at_site(auth_url, user="sales1@riyadh.test")
    response = client.get(portal_path(back))
    assert response.status_code == 302 and response["Location"] == f"/sites/{riyadh.pk}/"
    connection = Connection.objects.get(user=member, site=riyadh)
    assert connection.site_user_id == "sales1@riyadh.test"
    assert connection.status == Connection.Status.CONNECTED
    assert connection.token["access_token"] and connection.token_expires_at
    riyadh.refresh_from_db()
    assert riyadh.flavour == "deployed" and "late" in riyadh.vocabulary["statuses"]
    page = client.get(f"/sites/{riyadh.pk}/")
    assert b"sales1@riyadh.test" in page.content


def test_the_consent_page_allow_connects(client, member, riyadh):
    riyadh.client_id = "portal-consent"
    riyadh.save()
    client.force_login(member)
    back = authorize_at_site(start(client, riyadh), user="sales2@riyadh.test", allow=True)
    assert client.get(portal_path(back)).status_code == 302
    assert Connection.objects.get(user=member).site_user_id == "sales2@riyadh.test"


def test_denying_on_the_consent_page_ends_on_a_readable_page(client, member, riyadh):
    riyadh.client_id = "portal-consent"
    riyadh.save()
    client.force_login(member)
    back = authorize_at_site(start(client, riyadh), user="sales1@riyadh.test", allow=False)
    response = client.get(portal_path(back))
    assert response.status_code == 400
    assert b"You declined access on the site." in response.content
    assert not Connection.objects.exists()


def test_a_callback_from_another_session_is_refused(client, member, riyadh, django_user_model):
    client.force_login(member)
    back = authorize_at_site(start(client, riyadh), user="sales1@riyadh.test")
    client.logout()
    client.force_login(member)  # a new session: the state it carried is gone
    response = client.get(portal_path(back))
    assert response.status_code == 400
    assert b"not from your current session" in response.content


def test_a_replayed_code_is_refused_by_the_site(client, member, riyadh):
    client.force_login(member)
    first = authorize_at_site(start(client, riyadh), user="sales1@riyadh.test")
    assert client.get(portal_path(first)).status_code == 302
    code = dict(p.split("=", 1) for p in first.split("?", 1)[1].split("&"))["code"]
    second = authorize_at_site(start(client, riyadh), user="sales1@riyadh.test")
    state = dict(p.split("=", 1) for p in second.split("?", 1)[1].split("&"))["state"]
    response = client.get(f"/sites/oauth/callback/?code={code}&state={state}")
    assert response.status_code == 400
    assert b"refused the authorization code" in response.content


def test_a_wrong_verifier_is_refused_by_the_site(client, member, riyadh):
    client.force_login(member)
    back = authorize_at_site(start(client, riyadh), user="sales1@riyadh.test")
    session = client.session
    pending = session[SESSION_KEY]
    for entry in pending.values():
        entry["verifier"] = "x" * 64
    session[SESSION_KEY] = pending
    session.save()
    response = client.get(portal_path(back))
    assert response.status_code == 400
    assert b"refused the authorization code" in response.content
    assert b"redirect URI" in response.content  # the fix names what to check


def test_a_member_cannot_start_connecting_to_a_site_without_a_grant(client, outsider, riyadh):
    client.force_login(outsider)
    assert client.get(f"/sites/{riyadh.pk}/connect/").status_code == 404


def test_a_garbage_callback_is_a_readable_page_not_an_error(client, member, riyadh):
    client.force_login(member)
    response = client.get("/sites/oauth/callback/?code=%00%ff&state=" + "x" * 5000)
    assert response.status_code == 400
    assert b"Start connecting again" in response.content
