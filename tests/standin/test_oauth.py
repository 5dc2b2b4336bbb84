"""The OAuth2 provider: a full PKCE login through the stand-in's own pages, and
the token rules the portal depends on."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from standin.testing import InProcessStandin
from tests.standin.conftest import NOROLE, SALES, login, method, site_config

REDIRECT = "http://127.0.0.1:8001/oauth/callback/"
OAUTH = "frappe.integrations.oauth2."
CLIENTS = [
    {
        "client_id": "portal",
        "client_secret": "portal-secret",
        "redirect_uris": REDIRECT,
        "skip_authorization": 1,
        "scopes": "all openid",
    },
    {
        "client_id": "consent",
        "client_secret": "consent-secret",
        "redirect_uris": [REDIRECT],
        "skip_authorization": False,
        "app_name": "Consent App",
    },
]


@pytest.fixture
def site():
    with InProcessStandin(site_config(oauth_clients=CLIENTS)) as running:
        yield running.sites["test-site"]


class Forms(HTMLParser):
    """The forms of a page: [(method, action, {name: value})]."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, dict]] = []
        self.title = ""
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("method", "get").lower(), attrs.get("action", ""), {}))
        elif tag == "input" and self.forms:
            self.forms[-1][2][attrs.get("name")] = attrs.get("value", "")
        self._in_title = tag == "title"

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False if tag == "title" else self._in_title


def pkce(method_name: str = "S256") -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    if method_name == "plain":
        return verifier, verifier
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def browser_login(site, client_id: str, challenge: str, method_name: str, state: str) -> str:
    """What a browser does from the portal's redirect to the callback: returns the
    callback URL. No JavaScript: the stand-in's pages are plain forms."""
    browser = requests.Session()
    params = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "all openid",
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": method_name,
    }
    resp = browser.get(method(site, OAUTH + "authorize"), params=params, allow_redirects=False)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?redirect-to=")
    page = browser.get(urljoin(site.url, resp.headers["Location"]))
    forms = Forms(page.text)
    assert forms.title == "Login"
    form_method, action, fields = forms.forms[0]
    fields.update(usr=SALES["name"], pwd=SALES["password"])
    resp = browser.post(urljoin(site.url, action), data=fields, allow_redirects=False)
    assert resp.status_code == 302 and "oauth2.authorize" in resp.headers["Location"]
    resp = browser.get(urljoin(site.url, resp.headers["Location"]), allow_redirects=False)
    if resp.status_code == 200:  # the "Confirm Access" page of a client that asks
        consent = Forms(resp.text)
        assert consent.title == "Confirm Access"
        form_method, action, fields = consent.forms[0]
        assert form_method == "get"
        resp = browser.get(urljoin(site.url, action), params=fields, allow_redirects=False)
    else:  # a client that skips consent goes straight to approve [143]
        assert resp.status_code == 302 and "oauth2.approve" in resp.headers["Location"]
        resp = browser.get(urljoin(site.url, resp.headers["Location"]), allow_redirects=False)
    assert resp.status_code == 302
    return resp.headers["Location"]


def token(site, **form) -> requests.Response:
    return requests.post(method(site, OAUTH + "get_token"), data=form, timeout=10)


@pytest.mark.parametrize(
    ("client_id", "method_name"), [("portal", "S256"), ("consent", "S256"), ("portal", "plain")]
)
def test_a_full_pkce_login_through_the_stand_in_pages(site, client_id, method_name):
    verifier, challenge = pkce(method_name)
    callback = browser_login(site, client_id, challenge, method_name, state="st-42")
    assert callback.startswith(REDIRECT)
    query = parse_qs(urlsplit(callback).query)
    assert query["state"] == ["st-42"]
    code = query["code"][0]
    wrong = token(
        site,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id=client_id,
        code_verifier="x" * 50,
    )
    assert (wrong.status_code, wrong.json()) == (400, {"error": "invalid_grant"})
    answer = token(
        site,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id=client_id,
        code_verifier=verifier,
    )
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert list(tokens) == [
        "access_token",
        "expires_in",
        "token_type",
        "scope",
        "refresh_token",
        "id_token",
    ]
    assert tokens["expires_in"] == 3600 and tokens["token_type"] == "Bearer"
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    who = requests.get(method(site, "frappe.auth.get_logged_user"), headers=bearer, timeout=10)
    assert who.json() == {"message": SALES["name"]}
    replay = token(
        site,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id=client_id,
        code_verifier=verifier,
    )
    assert replay.json() == {"error": "invalid_grant"}


def test_the_id_token_is_signed_with_the_client_secret(site):
    verifier, challenge = pkce()
    code = parse_qs(urlsplit(browser_login(site, "portal", challenge, "S256", "s")).query)
    tokens = token(
        site,
        grant_type="authorization_code",
        code=code["code"][0],
        redirect_uri=REDIRECT,
        client_id="portal",
        code_verifier=verifier,
    ).json()
    head, body, sig = tokens["id_token"].split(".")
    expected = (
        base64.urlsafe_b64encode(
            hmac.new(b"portal-secret", f"{head}.{body}".encode(), "sha256").digest()
        )
        .decode()
        .rstrip("=")
    )
    assert sig == expected
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    assert claims["aud"] == "portal" and claims["email"] == SALES["name"]


def test_a_missing_verifier_kills_the_code_and_a_wrong_redirect_is_refused(site):
    verifier, challenge = pkce()
    code = parse_qs(urlsplit(browser_login(site, "portal", challenge, "S256", "s")).query)
    code = code["code"][0]
    bad = token(
        site,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT + "x",
        client_id="portal",
        code_verifier=verifier,
    )
    assert bad.json()["error"] == "invalid_request"
    missing = token(
        site, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, client_id="portal"
    )
    assert missing.json() == {"error": "invalid_grant"}
    after = token(
        site,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id="portal",
        code_verifier=verifier,
    )
    assert after.json() == {"error": "invalid_grant"}, "the code died with the missing verifier"


def test_authorize_refuses_a_redirect_uri_one_byte_off(site, sales):
    params = {
        "client_id": "portal",
        "response_type": "code",
        "redirect_uri": REDIRECT[:-1],
        "scope": "all openid",
    }
    resp = sales.get(method(site, OAUTH + "authorize"), params=params, allow_redirects=False)
    assert resp.status_code == 400
    assert resp.json() == {
        "description": "Mismatching redirect URI.",
        "status_code": 400,
        "error": "invalid_request",
    }


def test_a_website_user_is_refused_by_a_client_allowing_only_desk_users(site):
    """Frappe 15's OAuth Client allows the Desk User role by default: a user without it (a
    Website User: no roles) gets a raw JSON 400 on the site and is never sent back."""
    params = {"client_id": "portal", "response_type": "code", "redirect_uri": REDIRECT,
              "scope": "all openid", "state": "s1"}  # fmt: skip
    website_user = login(site.url, NOROLE["name"], NOROLE["password"])
    for step in ("authorize", "approve"):
        resp = website_user.get(method(site, OAUTH + step), params=params, allow_redirects=False)
        assert resp.status_code == 400 and "Location" not in resp.headers
        assert resp.json() == {
            "description": "Invalid client_id parameter value.",
            "status_code": 400,
            "error": "invalid_request",
        }
    desk_user = login(site.url, SALES["name"], SALES["password"])
    resp = desk_user.get(method(site, OAUTH + "authorize"), params=params, allow_redirects=False)
    assert resp.status_code in (301, 302, 303)


def test_a_client_whose_allowed_roles_include_all_lets_a_website_user_authorize():
    clients = [{**CLIENTS[0], "allowed_roles": ["Desk User", "All"]}]
    with InProcessStandin(site_config(oauth_clients=clients)) as running:
        site = running.sites["test-site"]
        website_user = login(site.url, NOROLE["name"], NOROLE["password"])
        params = {"client_id": "portal", "response_type": "code", "redirect_uri": REDIRECT}
        resp = website_user.get(method(site, OAUTH + "authorize"), params=params,
                                allow_redirects=False)  # fmt: skip
        assert resp.status_code in (301, 302, 303)


def password(site, **extra) -> requests.Response:
    form = {
        "grant_type": "password",
        "username": SALES["name"],
        "password": SALES["password"],
        "client_id": "portal",
        "scope": "all openid",
        **extra,
    }
    return token(site, **form)


def test_refresh_gives_new_tokens_and_the_old_ones_keep_working(site):
    first = password(site).json()
    second = token(
        site, grant_type="refresh_token", refresh_token=first["refresh_token"], client_id="portal"
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    again = token(site, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert again.status_code == 200, "the old refresh token still works [135, 139]"
    for access in (first["access_token"], second["access_token"]):
        who = requests.get(
            method(site, "frappe.auth.get_logged_user"),
            timeout=10,
            headers={"Authorization": f"Bearer {access}"},
        )
        assert who.status_code == 200


def test_revoking_a_refresh_token_ends_it_and_its_access_token(site):
    tokens = password(site).json()
    no_client = requests.post(
        method(site, OAUTH + "revoke_token"), timeout=10, data={"token": tokens["refresh_token"]}
    )
    assert no_client.status_code == 404
    revoked = requests.post(
        method(site, OAUTH + "revoke_token"),
        timeout=10,
        data={
            "token": tokens["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": "portal",
        },
    )
    assert (revoked.status_code, revoked.json()) == (200, {})
    refresh = token(site, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.status_code == 404
    assert tokens["refresh_token"] in refresh.text, "the message echoes the token [167]"
    who = requests.get(
        method(site, "frappe.auth.get_logged_user"),
        timeout=10,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert who.status_code == 401


def test_access_tokens_expire_after_an_hour_of_the_site_clock(site):
    tokens = password(site).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    who = method(site, "frappe.auth.get_logged_user")
    site.control.set_clock(advance_seconds=3599)
    assert requests.get(who, headers=bearer, timeout=10).status_code == 200
    site.control.set_clock(advance_seconds=1)
    assert requests.get(who, headers=bearer, timeout=10).status_code == 401
    introspect = requests.post(
        method(site, OAUTH + "introspect_token"), timeout=10, data={"token": tokens["access_token"]}
    ).json()
    assert introspect["client_id"] == "portal" and introspect["trusted_client"] == 1


def test_get_token_wants_a_form_and_no_basic_header(site):
    as_json = requests.post(
        method(site, OAUTH + "get_token"),
        timeout=10,
        json={
            "grant_type": "password",
            "username": SALES["name"],
            "password": SALES["password"],
            "client_id": "portal",
        },
    )
    assert (as_json.status_code, as_json.json()) == (400, {"error": "unsupported_grant_type"})
    basic = base64.b64encode(b"portal:portal-secret").decode()
    with_basic = requests.post(
        method(site, OAUTH + "get_token"),
        timeout=10,
        headers={"Authorization": f"Basic {basic}"},
        data={
            "grant_type": "password",
            "username": SALES["name"],
            "password": SALES["password"],
            "client_id": "portal",
        },
    )
    assert with_basic.status_code == 401
    assert password(site, password="wrong").status_code == 401
    assert password(site, client_id="nobody").status_code == 404
    assert token(site, grant_type="client_credentials", client_id="portal").json() == {
        "error": "unauthorized_client"
    }


def test_discovery_points_at_the_site(site):
    moved = requests.get(
        site.url + "/.well-known/openid-configuration", timeout=10, allow_redirects=False
    )
    assert moved.status_code == 301
    config = requests.get(urljoin(site.url, moved.headers["Location"]), timeout=10).json()
    assert config["issuer"] == site.url
    assert config["token_endpoint"] == method(site, OAUTH + "get_token")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", config["issuer"])
