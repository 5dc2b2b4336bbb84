"""The HTTP seam tells its observer what every request to a site came to and how long it took,
and the portal's observer turns that into a latency histogram and an error counter per site."""

from __future__ import annotations

import io

import pytest
import requests
from prometheus_client import REGISTRY
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from portal import metrics
from portal.http import AddressPolicy, Http
from portal.sites.backends.errors import AddressRefused, SiteError, TimedOut, Transient

DEV = AddressPolicy(allow_private=True, allow_loopback=True, allow_insecure_http=True)


def loopback(host, port, **_):
    return [(2, 1, 6, "", ("127.0.0.1", port))]


class Answers(BaseAdapter):
    """Answers with a status, or raises what a transport raises."""

    def __init__(self, outcome) -> None:
        super().__init__()
        self.outcome = outcome

    def send(self, request, **_):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        response = requests.Response()
        response.status_code = self.outcome
        response.headers = CaseInsensitiveDict({"Content-Length": "2"})
        response.raw = io.BytesIO(b"{}")
        return response

    def close(self):
        pass


def seam(outcome, seen: list, **kwargs) -> Http:
    return Http(policy=DEV, adapter=Answers(outcome), resolve=loopback,
                observe=lambda *args: seen.append(args), **kwargs)  # fmt: skip


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [(200, "2xx"), (302, "3xx"), (404, "4xx"), (503, "5xx")],
)
def test_an_answer_is_observed_by_its_status_class(outcome, expected):
    seen: list = []
    response = seam(outcome, seen).request("POST", "http://127.0.0.1:9/x", site="Riyadh")
    assert response.status == outcome
    [(site, observed, seconds)] = seen
    assert (site, observed) == ("Riyadh", expected) and seconds >= 0


@pytest.mark.parametrize(
    ("raised", "error", "expected"),
    [
        (requests.exceptions.ReadTimeout("x"), TimedOut, "timeout"),
        (requests.exceptions.ConnectionError("x"), Transient, "connect"),
        (requests.exceptions.SSLError("x"), SiteError, "tls"),
        (ValueError("a bug below the seam"), ValueError, "error"),
    ],
)
def test_a_failure_is_observed_by_its_kind_and_still_raised(raised, error, expected):
    seen: list = []
    with pytest.raises(error):
        seam(raised, seen).request("GET", "http://127.0.0.1:9/x", site="Cairo")
    assert [(s, o) for s, o, _ in seen] == [("Cairo", expected)]


def test_a_refused_address_and_a_too_large_answer_are_observed():
    seen: list = []
    strict = Http(policy=AddressPolicy(allow_loopback=False), adapter=Answers(200),
                  resolve=loopback, observe=lambda *args: seen.append(args))  # fmt: skip
    with pytest.raises(AddressRefused):
        strict.request("GET", "https://127.0.0.1/x", site="Local")
    with pytest.raises(SiteError):
        seam(200, seen, max_body_bytes=1).request("GET", "http://127.0.0.1:9/x", site="Big")
    assert [(s, o) for s, o, _ in seen] == [("Local", "refused"), ("Big", "too_large")]


def test_a_broken_observer_never_fails_the_request():
    def broken(*_):
        raise OSError("disk full")

    http = Http(policy=DEV, adapter=Answers(200), resolve=loopback, observe=broken)
    assert http.request("GET", "http://127.0.0.1:9/x", site="Riyadh").status == 200


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_portal_observer_records_latency_for_all_and_errors_for_failures_only():
    labels = {"site": "Observer Site"}
    before_ok = sample("portal_site_request_seconds_count", **labels, outcome="2xx")
    before_errors = sample("portal_site_request_errors_total", **labels, outcome="timeout")

    metrics.site_request_observed("Observer Site", "2xx", 0.2)
    metrics.site_request_observed("Observer Site", "2xx", 0.4)
    metrics.site_request_observed("Observer Site", "timeout", 20.0)

    assert sample("portal_site_request_seconds_count", **labels, outcome="2xx") == before_ok + 2
    assert sample("portal_site_request_errors_total", **labels, outcome="2xx") == 0
    assert sample("portal_site_request_errors_total", **labels, outcome="timeout") == (
        before_errors + 1
    )


def test_the_shared_seam_reports_to_the_portal_observer(settings):
    from portal.sites import outgoing

    outgoing.reset_http()
    try:
        assert outgoing.http_from_settings()._observe is metrics.site_request_observed
    finally:
        outgoing.reset_http()
