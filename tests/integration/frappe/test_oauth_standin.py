"""OAuth against the stand-in's provider: refresh before expiry, single flight, the 401 path."""

from __future__ import annotations

import threading

import pytest
import requests

from portal.sites.backends.frappe import (
    FrappeClient,
    MemoryTokenStore,
    OAuthBearer,
    ReconnectNeeded,
    authorization_url,
    revoke,
)

from .conftest import OAUTH_CLIENT, REDIRECT, Control, dev_http

TOKEN_PATH = "/api/method/frappe.integrations.oauth2.get_token"
REVOKE_PATH = "/api/method/frappe.integrations.oauth2.revoke_token"


@pytest.fixture
def deployed(standin) -> tuple[str, Control]:
    site = Control(standin["deployed"])
    site.reset()
    answer = requests.post(standin["deployed"] + TOKEN_PATH, timeout=5, data={
        "grant_type": "password", "username": "sales1@lab.local",
        "password": "Lab-Sales1-Pass!2026", "client_id": OAUTH_CLIENT, "scope": "all openid",
    })  # fmt: skip
    assert answer.status_code == 200 and "access_token" in answer.json(), answer.text[:300]
    return standin["deployed"], site


def password_token(url: str, *, expires_at: float) -> dict:
    answer = requests.post(url + TOKEN_PATH, timeout=5, data={
        "grant_type": "password", "username": "sales1@lab.local",
        "password": "Lab-Sales1-Pass!2026", "client_id": OAUTH_CLIENT, "scope": "all openid",
    }).json()  # fmt: skip
    return {**answer, "expires_at": expires_at}


def client_for(url: str, credential) -> FrappeClient:
    return FrappeClient(url, credential, time_zone="Asia/Tokyo", flavour="deployed",
                        http=dev_http())  # fmt: skip


def test_twenty_callers_on_an_expired_token_make_one_refresh_and_one_revoke(deployed):
    url, site = deployed
    store = MemoryTokenStore(password_token(url, expires_at=0))
    http = dev_http()
    mark = site.mark()
    barrier, errors = threading.Barrier(20), []

    def work() -> None:
        credential = OAuthBearer(store=store, site_base=url, client_id=OAUTH_CLIENT, http=http)
        barrier.wait()
        try:
            FrappeClient(url, credential, time_zone="Asia/Tokyo", flavour="deployed",
                         http=http).logged_user()  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    paths = [e["path"] for e in site.since(mark)]
    assert errors == []
    assert paths.count(TOKEN_PATH) == 1 and paths.count(REVOKE_PATH) == 1


def test_a_revoked_connection_needs_a_reconnect(deployed):
    url, _site = deployed
    token = password_token(url, expires_at=10**12)
    store = MemoryTokenStore(token)
    revoke(site_base=url, client_id=OAUTH_CLIENT, token=token["refresh_token"], http=dev_http())
    credential = OAuthBearer(store=store, site_base=url, client_id=OAUTH_CLIENT, http=dev_http())
    with pytest.raises(ReconnectNeeded) as failed:
        client_for(url, credential).logged_user()
    assert token["refresh_token"] not in str(failed.value)


def test_the_authorization_url_is_accepted_by_the_site(deployed):
    url, _ = deployed
    auth_url, _state, _verifier = authorization_url(
        site_base=url, client_id=OAUTH_CLIENT, redirect_uri=REDIRECT, http=dev_http()
    )
    answer = requests.get(auth_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
