"""Disconnecting and removing revoke at the site; a revoked token ends in "reconnect needed"."""

import pytest
import requests

from portal.sites.backends.frappe import ReconnectNeeded
from portal.sites.models import Connection, Site, SiteGrant
from portal.sites.services.clients import client_for_connection, connection_failed

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(portal_site, member, connect, standin):
    site = portal_site("riyadh")
    SiteGrant.objects.get_or_create(site=site, user=member)
    connection = connect(member, site, "sales1")
    return site, connection, standin.sites["riyadh"]


def token_works(site, access_token) -> bool:
    answer = requests.get(
        site.base_url + "/api/method/frappe.auth.get_logged_user",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    return answer.status_code == 200


def revocations(handle) -> list[dict]:
    return [e for e in handle.control.log() if e["path"].endswith("oauth2.revoke_token")]


def test_disconnect_revokes_at_the_site_and_deletes_the_tokens(client, member, connected):
    site, connection, handle = connected
    access = connection.token["access_token"]
    assert token_works(site, access)
    client.force_login(member)
    response = client.post(f"/sites/{site.pk}/disconnect/")
    assert response.status_code == 302
    assert not Connection.objects.filter(pk=connection.pk).exists()
    assert len(revocations(handle)) == 1
    assert not token_works(site, access)  # the refresh token and its access token are dead


def test_removing_a_site_revokes_every_connection_there(
    client, admin_user, member, connected, connect
):
    site, connection, handle = connected
    admin_connection = connect(admin_user, site, "manager1")
    client.force_login(admin_user)
    response = client.post(f"/sites/{site.pk}/remove/")
    assert response.status_code == 302
    assert not Site.objects.filter(pk=site.pk).exists()
    assert len(revocations(handle)) == 2
    assert not token_works(site, connection.token["access_token"])
    assert not token_works(site, admin_connection.token["access_token"])


def test_a_token_revoked_at_the_site_ends_in_reconnect_needed(client, member, connected):
    site, connection, handle = connected
    requests.post(
        site.base_url + "/api/method/frappe.integrations.oauth2.revoke_token",
        data={"token": connection.token["refresh_token"], "client_id": site.client_id},
        timeout=10,
    )
    with pytest.raises(ReconnectNeeded) as failure:
        client_for_connection(connection).logged_user()
    connection_failed(connection, failure.value)
    connection.refresh_from_db()
    assert connection.status == Connection.Status.RECONNECT and connection.needs_reconnect
    client.force_login(member)
    page = client.get("/sites/")
    assert page.status_code == 200 and b"Reconnect needed" in page.content
    assert f'href="/sites/{site.pk}/connect/"'.encode() in page.content
