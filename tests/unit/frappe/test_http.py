"""The HTTP seam: address policy, redirects, size bound, the connect-time peer check."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from portal.sites.backends.frappe import AddressPolicy, AddressRefused, Http, SiteError, Transient

from .recordings import FakeSite, answer, body_of, loopback_resolver, public_resolver

STRICT = AddressPolicy(allow_private=False, allow_loopback=False, allow_insecure_http=False)
DEV = AddressPolicy(allow_private=True, allow_loopback=True, allow_insecure_http=True)


def resolver_for(address: str):
    return lambda host, port, **_: [(2, 1, 6, "", (address, port))]


@pytest.mark.parametrize(
    ("address", "policy", "allowed"),
    [
        ("93.184.216.34", STRICT, True),
        ("10.1.2.3", STRICT, False),
        ("10.1.2.3", AddressPolicy(allow_private=True), True),
        ("192.168.1.10", AddressPolicy(allow_private=True), True),
        ("127.0.0.1", AddressPolicy(allow_private=True), False),
        ("127.0.0.1", DEV, True),
        ("::1", DEV, True),
        ("::ffff:127.0.0.1", AddressPolicy(), False),
        ("0.0.0.0", AddressPolicy(), False),  # noqa: S104 (an address under test, not a bind)
        ("169.254.169.254", DEV, False),  # cloud metadata: never, whatever the settings
        ("fe80::1", DEV, False),
        ("100.100.100.200", DEV, False),
        ("224.0.0.1", DEV, False),
    ],
)
def test_address_policy(address, policy, allowed):
    assert (policy.refusal(address) is None) is allowed


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://crm.example.test/",
        "gopher://x",
        "https://user:pw@crm.example.test/",
    ],
)
def test_only_plain_http_urls_without_credentials(url):
    with pytest.raises(AddressRefused):
        DEV.check_url(url, resolve=public_resolver)


def test_http_needs_the_insecure_setting():
    with pytest.raises(AddressRefused):
        STRICT.check_url("http://crm.example.test/", resolve=public_resolver)


def test_every_resolved_address_must_pass():
    two = lambda host, port, **_: [  # noqa: E731
        (2, 1, 6, "", ("93.184.216.34", port)),
        (2, 1, 6, "", ("169.254.169.254", port)),
    ]
    with pytest.raises(AddressRefused):
        DEV.check_url("https://crm.example.test/", resolve=two)


def test_an_unresolvable_host_is_transient():
    def fail(*_, **__):
        import socket

        raise socket.gaierror("no such host")

    with pytest.raises(Transient):
        DEV.check_url("https://nowhere.invalid/", resolve=fail)


def test_a_refused_address_is_never_contacted():
    site = FakeSite()
    http = Http(policy=STRICT, adapter=site, resolve=resolver_for("10.0.0.5"))
    with pytest.raises(AddressRefused):
        http.request("GET", "https://crm.internal.test/api/method/ping")
    assert site.sent == [] and http.requests_sent == 0


def test_a_same_site_redirect_is_followed_and_checked(site):
    # /.well-known/openid-configuration answers 301 to the method path [115, 114].
    site.expect("115").expect("114")
    http = Http(policy=DEV, adapter=site, resolve=loopback_resolver)
    response = http.request("GET", "http://127.0.0.1:8000/.well-known/openid-configuration")
    assert response.status == 200 and http.requests_sent == 2


def test_a_redirect_to_another_host_is_not_followed(site):
    moved = answer(302, "", {"location": "https://elsewhere.example.test/x?token=abc"})
    site.expect_request("GET", "/api/method/frappe.auth.get_logged_user", answer=moved)
    http = Http(policy=DEV, adapter=site, resolve=loopback_resolver)
    with pytest.raises(SiteError, match="elsewhere.example.test/x") as moved_error:
        http.request("GET", "http://127.0.0.1:8000/api/method/frappe.auth.get_logged_user")
    assert "token=abc" not in moved_error.value.message


def test_an_answer_larger_than_the_bound_is_refused(site):
    site.expect("024")
    http = Http(policy=DEV, adapter=site, resolve=loopback_resolver, max_body_bytes=1000)
    with pytest.raises(SiteError, match="too large"):
        http.request("GET", "http://127.0.0.1:8000/api/method/crm.api.mobile_api.home_tasks")


def test_requests_are_counted_at_the_seam(site):
    site.expect("024").expect("032")
    http = Http(policy=DEV, adapter=site, resolve=loopback_resolver)
    http.request("GET", "http://127.0.0.1:8000/api/method/crm.api.mobile_api.home_tasks")
    http.request("GET", "http://127.0.0.1:8000/api/method/crm.api.mobile_api.main_page_buckets")
    assert http.requests_sent == 2


# -- against a real socket ----------------------------------------------------------------------


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        payload = b'{"message": "sales1@lab.local"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_real_request_on_loopback_when_allowed(local_server):
    http = Http(policy=DEV)
    response = http.request("GET", f"{local_server}/api/method/frappe.auth.get_logged_user")
    assert response.status == 200 and b"sales1" in response.content


def test_the_connected_peer_is_checked_too(local_server):
    # DNS says a public address (the pre-check passes), the socket reaches loopback: refused.
    policy = AddressPolicy(allow_loopback=False, allow_insecure_http=True)
    http = Http(policy=policy, resolve=public_resolver)
    with pytest.raises(AddressRefused):
        http.request("GET", f"{local_server}/api/method/frappe.auth.get_logged_user")


def test_connection_refused_is_transient():
    http = Http(policy=DEV, connect_timeout=1)
    with pytest.raises(Transient):
        http.request("GET", "http://127.0.0.1:9/")


def test_recorded_discovery_body_parses(site):
    site.expect("211")
    http = Http(policy=DEV, adapter=site, resolve=loopback_resolver)
    url = "http://127.0.0.1:8000/api/method/frappe.integrations.oauth2.openid_configuration"
    assert b"token_endpoint" in http.request("GET", url).content
    assert body_of("211")["issuer"] == "http://127.0.0.1:8000"


def test_a_page_of_200_sites_keeps_every_sites_connections_between_loads():
    """One pool per site (host and port) stays open however many sites a page asks, so the
    next load reuses the connections instead of opening every one afresh."""
    seam = Http(policy=DEV)
    manager = seam._adapter.poolmanager

    def pools() -> list:
        return [
            manager.connection_from_host("127.0.0.1", port=20000 + n, scheme="http")
            for n in range(200)
        ]

    first = pools()
    again = pools()
    assert all(a is b for a, b in zip(first, again, strict=True))
