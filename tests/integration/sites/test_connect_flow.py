"""Connecting a portal account to a site through the site's own login and consent steps, and
every way the callback can fail ending on a readable page."""

from urllib.parse import urlsplit

import pytest
import requests

from portal import clock
from portal.sites.models import Connection
from portal.sites.services.connect import SESSION_KEY
from tests.integration.sites.oauth_helpers import authorize_at_site, portal_path
from tests.standin_sites import PASSWORD

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


@pytest.fixture
def later(settings, tmp_path):
    """later(minutes): the portal's clock that many minutes after now."""
    path = tmp_path / "clock.json"
    settings.PORTAL_CLOCK_FILE = str(path)

    def move(minutes: float) -> None:
        clock.set_clock(path, offset_seconds=minutes * 60)

    move(0)
    return move


def authorize_as_website_user(auth_url: str) -> requests.Response:
    """A site user without Desk User (no roles: a Website User) logs in at the site and opens
    the authorize URL the portal sent them to."""
    base = "{0.scheme}://{0.netloc}".format(urlsplit(auth_url))
    browser = requests.Session()
    login = browser.post(f"{base}/api/method/login",
                         data={"usr": "norole@riyadh.test", "pwd": PASSWORD})  # fmt: skip
    assert login.status_code == 200
    return browser.get(auth_url, allow_redirects=False)


UNFINISHED = "Your connection to Riyadh did not finish."


def test_a_website_user_stuck_on_the_sites_json_error_hears_why_on_their_next_page(
    client, member, riyadh, later
):
    client.force_login(member)
    at_site = authorize_as_website_user(start(client, riyadh))
    # What the person sees at the site: Frappe's raw JSON, and no way back to the portal.
    assert at_site.status_code == 400 and "Location" not in at_site.headers
    assert at_site.json()["description"] == "Invalid client_id parameter value."

    later(1)  # still signing in at the site, perhaps: nothing said yet
    assert UNFINISHED not in client.get("/sites/").content.decode()
    later(4)
    page = client.get("/sites/").content.decode()
    assert UNFINISHED in page and "Allowed Roles" in page and "Invalid client_id" in page
    assert UNFINISHED not in client.get("/sites/").content.decode(), "said once"


def test_a_connect_that_came_back_is_not_reported_even_after_an_abandoned_one(
    client, member, riyadh, later
):
    client.force_login(member)
    start(client, riyadh)  # abandoned at the site
    back = authorize_at_site(start(client, riyadh), user="sales1@riyadh.test")
    assert client.get(portal_path(back)).status_code == 302
    later(10)
    assert UNFINISHED not in client.get("/sites/").content.decode()


def test_a_person_who_was_only_slow_at_the_site_still_connects_after_the_notice(
    client, member, riyadh, later
):
    client.force_login(member)
    auth_url = start(client, riyadh)
    later(5)
    assert UNFINISHED in client.get("/").content.decode()  # whichever page they open
    back = authorize_at_site(auth_url, user="sales1@riyadh.test")
    assert client.get(portal_path(back)).status_code == 302
    assert Connection.objects.get(user=member, site=riyadh).site_user_id == "sales1@riyadh.test"


def test_the_add_site_page_and_the_doctor_name_the_oauth_clients_allowed_roles(
    client, admin_user, riyadh
):
    client.force_login(admin_user)
    assert "Allowed Roles" in client.get("/sites/add/").content.decode()
    page = client.get(f"/sites/{riyadh.pk}/").content.decode()
    check = page[page.index('data-check="allowed_roles"') :]
    check = check[: check.index("</li>")]
    assert "Allowed Roles" in check and "Desk User" in check and "Website User" in check
