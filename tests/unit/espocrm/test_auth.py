"""Credentials against the recorded exchanges: API key, HMAC, a person's password sign-in."""

from __future__ import annotations

import pytest

from portal.sites.backends.base import SiteSettings
from portal.sites.backends.errors import NoPermission, ReconnectNeeded
from portal.sites.backends.espocrm import auth
from portal.sites.backends.espocrm.backend import EspoBackend
from portal.sites.backends.frappe.auth import MemoryTokenStore

from .conftest import API_KEY, HMAC_KEY, HMAC_SECRET, JDOE, open_backend
from .recordings import BASE, load


def test_the_api_key_goes_alone_in_x_api_key(site):
    site.expect("011", auth=True)
    assert open_backend(site).logged_user() == "6b0fc51e521751a0e"


def test_hmac_signs_method_and_path_after_api_v1_without_the_query(site):
    site.expect("014", auth=True)  # GET /Task?maxSize=1 signed as "GET /Task"
    credential = EspoBackend.service_credential(
        "hmac", {"api_key": HMAC_KEY, "api_secret": HMAC_SECRET}
    )
    assert open_backend(site, credential=credential).client.page(size=1)["total"] == 0


def test_hmac_does_not_sign_the_body():
    recorded = load("019")["request"]["headers"]["X-Hmac-Authorization"]
    assert auth.hmac_header(HMAC_KEY, HMAC_SECRET, "POST", "/Task") == recorded


def test_hmac_signed_with_the_api_v1_prefix_is_not_what_is_sent():
    refused = load("015")["request"]["headers"]["X-Hmac-Authorization"]  # answered 401
    assert auth.hmac_header(HMAC_KEY, HMAC_SECRET, "GET", "/Task") != refused
    assert auth.hmac_header(HMAC_KEY, HMAC_SECRET, "GET", "/api/v1/Task") == refused


def test_an_api_key_kind_with_a_secret_key_is_an_hmac_user():
    both = {"api_key": HMAC_KEY, "api_secret": HMAC_SECRET}
    assert isinstance(EspoBackend.service_credential("api_key", both), auth.HmacAuth)
    alone = {"api_key": API_KEY, "api_secret": ""}
    assert isinstance(EspoBackend.service_credential("api_key", alone), auth.ApiKeyAuth)
    with pytest.raises(LookupError):
        EspoBackend.service_credential("token", alone)
    with pytest.raises(LookupError):
        EspoBackend.service_credential("hmac", alone)


def test_a_refused_api_key_is_a_401_with_an_empty_body_told_as_the_service_key(site):
    site.expect("012", query={"maxSize": "200"})
    credential = auth.ApiKeyAuth("0000000000000000deadbeefdeadbeef")
    with pytest.raises(ReconnectNeeded, match="refused the API key"):
        open_backend(site, credential=credential).client.tasks()


def test_a_deactivated_api_user_is_refused_alike(site):
    site.expect("171")
    with pytest.raises(ReconnectNeeded, match="user is active"):
        open_backend(site).client.page(size=1)


def test_an_api_user_without_a_role_is_no_permission_in_the_sites_words(site):
    site.expect("169")
    with pytest.raises(NoPermission, match="No read access"):
        open_backend(site).client.page(size=1)


def test_a_password_is_exchanged_once_for_a_token_and_never_stored(site):
    site.expect("026", auth=True)
    settings = SiteSettings(name="Lab", base_url=BASE)
    token, user_id = EspoBackend.password_connect(
        settings, username="jdoe", password="JdoeLab-2026", http=site
    )
    assert user_id == JDOE
    assert token == {
        "kind": "espo_token",
        "username": "jdoe",
        "token": "e9d77740713aa96a14e49e93eca62645",
    }
    assert "JdoeLab-2026" not in repr(token)


def test_the_token_is_sent_by_token_with_the_user_name(site):
    site.expect("027", auth=True)
    store = MemoryTokenStore(auth.token_set("jdoe", "e9d77740713aa96a14e49e93eca62645"))
    settings = SiteSettings(name="Lab", base_url=BASE)
    credential = EspoBackend.person_credential(store=store, site=settings, http=site)
    open_backend(site, credential=credential).client.page(size=1)


def test_a_wrong_password_asks_the_person_to_try_again(site):
    site.expect("022", answer="")
    with pytest.raises(ReconnectNeeded, match="user name or password"):
        auth.password_login(site, BASE, username="jdoe", password="nope")
    assert site.sent[0]["headers"]["Espo-Authorization"] == "amRvZTpub3Bl"


def test_a_revoked_token_means_the_person_reconnects(site):
    site.expect("025")
    credential = auth.TokenAuth("jdoe", "0c03a83bfacf28df5299ef1f229405cb")
    with pytest.raises(ReconnectNeeded, match="connect your account again"):
        open_backend(site, credential=credential).client.app_user()


def test_no_stored_token_means_connect_first():
    with pytest.raises(ReconnectNeeded):
        auth.auth_for_token(None)
    assert "e9d7" not in repr(auth.TokenAuth("jdoe", "e9d77740713aa96a14e49e93eca62645"))
