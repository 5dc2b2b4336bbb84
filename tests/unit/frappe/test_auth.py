"""API keys, OAuth flow helpers, refresh before expiry, the 401 path and single-flight refresh."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

from portal.sites.backends.frappe import (
    AddressPolicy,
    AddressRefused,
    ApiKeyAuth,
    FrappeClient,
    Http,
    MemoryTokenStore,
    OAuthBearer,
    ReconnectNeeded,
    ValidationFailed,
    authorization_url,
    exchange_code,
    password_grant,
    refresh_grant,
    revoke,
)

from .recordings import BASE, body_of, fake_http, load, loopback_resolver

CLIENT_ID = "ot6bop7euf"
REDIRECT = "http://127.0.0.1:8001/oauth/callback/"
NOW = 1_800_000_000.0


def recorded_token(number: str, *, expires_at: float) -> dict:
    body = body_of(number)
    return {**body, "expires_at": expires_at}


def bearer(site, store, *, now: float = NOW) -> OAuthBearer:
    return OAuthBearer(
        store=store, site_base=BASE, client_id=CLIENT_ID, http=fake_http(site), clock=lambda: now
    )


def client_with(site, credential) -> FrappeClient:
    return FrappeClient(BASE, credential, time_zone="UTC", flavour="deployed", http=fake_http(site))


def no_authorization(request) -> None:
    assert "Authorization" not in request.headers  # Frappe reads Basic as an API key [NOTES.md]


# -- API keys -----------------------------------------------------------------------------------


def test_api_key_header(site):
    site.expect("180", relax=("Authorization",))
    client_with(site, ApiKeyAuth("728b9c7ca3432a7", "4b75f646ec18d12")).logged_user()
    assert (
        site.sent[0].headers["Authorization"] == load("180")["request"]["headers"]["Authorization"]
    )


def test_a_rejected_api_key_needs_a_reconnect_without_retry(site):
    site.expect("184")
    with pytest.raises(ReconnectNeeded):
        client_with(site, ApiKeyAuth("728b9c7ca3432a7", "wrongsecret")).home_tasks()
    assert len(site.sent) == 1


def test_api_key_repr_hides_the_secret():
    assert "37ed6834dee49e7" not in repr(ApiKeyAuth("728b9c7ca3432a7", "37ed6834dee49e7"))


# -- authorization URL and code exchange ----------------------------------------------------------


def test_authorization_url_uses_pkce_s256(site):
    url, state, verifier = authorization_url(
        site_base=BASE, client_id=CLIENT_ID, redirect_uri=REDIRECT, http=fake_http(site)
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    recorded = load("142")["request"]
    assert urlsplit(url).path == recorded["path"] and set(query) == set(recorded["query"])
    digest = hashlib.sha256(verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert (query["code_challenge_method"], query["state"]) == ("S256", state)
    assert (query["client_id"], query["redirect_uri"], query["scope"]) == (
        CLIENT_ID,
        REDIRECT,
        "all openid",
    )


def test_each_authorization_url_has_its_own_state_and_verifier(site):
    http = fake_http(site)
    first = authorization_url(site_base=BASE, client_id=CLIENT_ID, redirect_uri=REDIRECT, http=http)
    second = authorization_url(
        site_base=BASE, client_id=CLIENT_ID, redirect_uri=REDIRECT, http=http
    )
    assert first[1] != second[1] and first[2] != second[2]


def test_authorization_url_over_http_needs_the_insecure_setting():
    http = Http(policy=AddressPolicy(allow_loopback=True), resolve=loopback_resolver)
    with pytest.raises(AddressRefused):
        authorization_url(site_base=BASE, client_id=CLIENT_ID, redirect_uri=REDIRECT, http=http)


def test_exchange_code_sends_a_form_with_client_id_and_no_basic_header(site):
    site.expect("148", check=no_authorization)
    recorded = load("148")["request"]["body"]
    token = exchange_code(
        site_base=BASE,
        client_id=CLIENT_ID,
        redirect_uri=REDIRECT,
        code=recorded["code"],
        code_verifier=recorded["code_verifier"],
        http=fake_http(site),
        clock=lambda: NOW,
    )
    assert token["access_token"] == body_of("148")["access_token"]
    assert token["expires_at"] == NOW + 3600 and "id_token" not in token


@pytest.mark.parametrize("number", ["145", "149"])
def test_a_wrong_or_replayed_code_is_refused(site, number):
    site.expect(number)
    recorded = load(number)["request"]["body"]
    with pytest.raises(ValidationFailed, match="invalid_grant"):
        exchange_code(
            site_base=BASE,
            client_id=CLIENT_ID,
            redirect_uri=REDIRECT,
            code=recorded["code"],
            code_verifier=recorded["code_verifier"],
            http=fake_http(site),
        )


def test_password_grant_sends_a_form_with_client_id_and_no_basic_header(site):
    site.expect("119", check=no_authorization)
    recorded = load("119")["request"]["body"]
    token = password_grant(
        site_base=BASE, client_id=CLIENT_ID, username=recorded["username"],
        password=recorded["password"], http=fake_http(site), clock=lambda: NOW,
    )  # fmt: skip
    assert token["refresh_token"] == body_of("119")["refresh_token"]
    assert token["expires_at"] == NOW + 3600


def test_a_wrong_password_in_the_password_grant_is_refused(site):
    site.expect("122")
    with pytest.raises(ReconnectNeeded, match="Invalid login credentials"):  # 401 [122]
        password_grant(
            site_base=BASE, client_id=CLIENT_ID, username="sales1@lab.local", password="nope",
            http=fake_http(site),
        )  # fmt: skip


# -- refresh and revoke -------------------------------------------------------------------------


def test_refresh_grant_sends_the_refresh_token_and_client_id(site):
    site.expect("134", check=no_authorization)
    new = refresh_grant(
        site_base=BASE,
        client_id=CLIENT_ID,
        refresh_token=load("134")["request"]["body"]["refresh_token"],
        http=fake_http(site),
        clock=lambda: NOW,
    )
    assert new["refresh_token"] == body_of("134")["refresh_token"]


@pytest.mark.parametrize(("number", "client_id"), [("140", CLIENT_ID), ("167", "ot6cdmqagf")])
def test_a_dead_refresh_token_needs_a_reconnect_and_is_not_echoed(site, number, client_id):
    site.expect(number)
    dead = load(number)["request"]["body"]["refresh_token"]
    with pytest.raises(ReconnectNeeded) as failed:
        refresh_grant(site_base=BASE, client_id=client_id, refresh_token=dead, http=fake_http(site))
    assert failed.value.permanent and dead not in str(failed.value)


def test_revoke_sends_the_client_id_in_a_form(site):
    site.expect("166", check=no_authorization)
    revoke(
        site_base=BASE,
        client_id="ot6cdmqagf",
        token=load("166")["request"]["body"]["token"],
        http=fake_http(site),
    )


# -- the bearer credential ------------------------------------------------------------------------


def test_bearer_sends_the_stored_access_token(site):
    store = MemoryTokenStore(recorded_token("119", expires_at=NOW + 3600))
    site.expect("127")
    client_with(site, bearer(site, store)).home_tasks()
    assert site.sent[0].headers["Authorization"] == "Bearer " + body_of("119")["access_token"]


def test_a_token_about_to_expire_is_refreshed_first_and_the_old_one_revoked(site):
    store = MemoryTokenStore(recorded_token("119", expires_at=NOW + 30))  # inside the 60 s skew
    site.expect("134")
    site.expect_request(
        "POST",
        "/api/method/frappe.integrations.oauth2.revoke_token",
        body={"token": body_of("119")["refresh_token"], "token_type_hint": "refresh_token",
              "client_id": CLIENT_ID},
        answer=load("166")["response"],
        check=no_authorization,
    )  # fmt: skip
    site.expect("137")
    assert client_with(site, bearer(site, store)).logged_user() == "sales1@lab.local"
    assert store.load()["access_token"] == body_of("134")["access_token"] and store.saves == 1


def test_a_fresh_token_is_not_refreshed(site):
    store = MemoryTokenStore(recorded_token("119", expires_at=NOW + 600))
    site.expect("126")
    client_with(site, bearer(site, store)).logged_user()
    assert store.saves == 0


def test_a_401_after_another_process_refreshed_retries_once_with_the_new_token(site):
    store = MemoryTokenStore(recorded_token("119", expires_at=NOW + 3600))
    credential = bearer(site, store)
    credential.headers()  # this process holds the old token
    store.save(recorded_token("134", expires_at=NOW + 3600))  # another process refreshed
    site.expect("131", relax=("Authorization",))
    site.expect("136")
    client_with(site, credential).home_tasks()
    assert site.sent[1].headers["Authorization"] == "Bearer " + body_of("134")["access_token"]
    assert store.saves == 1  # only the other process's save


def test_a_401_on_the_stored_token_refreshes_once_and_retries(site):
    store = MemoryTokenStore(recorded_token("119", expires_at=NOW + 3600))
    site.expect("131", relax=("Authorization",))
    site.expect("134")
    site.expect("166", relax=("body",))
    site.expect("127")
    client_with(site, bearer(site, store)).home_tasks()
    assert site.sent[3].headers["Authorization"] == "Bearer " + body_of("134")["access_token"]


def test_a_401_whose_refresh_fails_for_good_needs_a_reconnect(site):
    store = MemoryTokenStore(recorded_token("165", expires_at=NOW + 3600))
    site.expect("168")
    site.expect("167")
    credential = OAuthBearer(
        store=store, site_base=BASE, client_id="ot6cdmqagf", http=fake_http(site), clock=lambda: NOW
    )
    with pytest.raises(ReconnectNeeded):
        client_with(site, credential).logged_user()
    assert len(site.sent) == 2  # no retry of the call itself


def test_a_write_answered_401_is_sent_again_only_once(site):
    store = MemoryTokenStore(recorded_token("119", expires_at=NOW + 3600))
    credential = bearer(site, store)
    credential.headers()
    store.save(recorded_token("134", expires_at=NOW + 3600))
    site.expect("131", relax=("Authorization",), check=lambda r: r.method == "POST")
    site.queue[0].recording["request"].update(
        method="POST", path="/api/method/crm.api.mobile_api.create_task", body=None
    )
    site.expect("129", relax=("body", "Authorization"))
    client_with(site, credential).create_task(**load("129")["request"]["body"])
    assert len(site.sent) == 2


def test_no_stored_token_needs_a_reconnect(site):
    with pytest.raises(ReconnectNeeded):
        client_with(site, bearer(site, MemoryTokenStore())).logged_user()


# -- single flight --------------------------------------------------------------------------------


class CountingSite(BaseAdapter):
    """A thread-safe fake for concurrent requests, answering from recorded bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.paths: list[str] = []
        self.bearers: list[str] = []
        self.refreshes = 0

    def send(self, request, **kwargs):
        path = urlsplit(request.url).path
        with self.lock:
            self.paths.append(path)
            if path.endswith("get_token"):
                self.refreshes += 1
                body = {**body_of("134"), "access_token": f"new-{self.refreshes}"}
            elif path.endswith("revoke_token"):
                body = {}
            else:
                self.bearers.append(request.headers["Authorization"])
                body = body_of("137")
        response = requests.Response()
        response.status_code = 200
        response.headers["content-type"] = "application/json"
        response.raw = __import__("io").BytesIO(json.dumps(body).encode())
        return response

    def close(self):
        pass


def test_twenty_concurrent_callers_on_an_expired_token_refresh_exactly_once():
    fake = CountingSite()
    http = Http(policy=AddressPolicy(allow_loopback=True, allow_insecure_http=True), adapter=fake,
                resolve=loopback_resolver)  # fmt: skip
    store = MemoryTokenStore(recorded_token("119", expires_at=NOW - 10))
    barrier = threading.Barrier(20)
    errors: list[Exception] = []

    def work() -> None:
        # one credential per worker, as separate processes would each have
        credential = OAuthBearer(
            store=store, site_base=BASE, client_id=CLIENT_ID, http=http, clock=lambda: NOW
        )
        client = FrappeClient(BASE, credential, time_zone="UTC", flavour="deployed", http=http)
        barrier.wait()
        try:
            client.logged_user()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert fake.refreshes == 1 and sum(p.endswith("revoke_token") for p in fake.paths) == 1
    assert set(fake.bearers) == {"Bearer new-1"} and len(fake.bearers) == 20
