"""Each fault, switched on and off at run time."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.standin.conftest import mobile

HOME = "crm.api.mobile_api.home_tasks"


def _faulted(site) -> list[str | None]:
    return [e["fault"] for e in site.control.log()]


def test_latency_delays_an_otherwise_normal_answer(site, sales):
    site.control.set_faults([{"kind": "latency", "ms": 300}])
    started = time.perf_counter()
    resp = sales.get(mobile(site, "home_tasks"))
    assert resp.status_code == 200 and time.perf_counter() - started >= 0.3
    assert _faulted(site)[-1] == "latency"


@pytest.mark.parametrize("status", [500, 503])
def test_an_error_answers_the_status_with_a_json_error(site, sales, status):
    site.control.set_faults([{"kind": "error", "status": status}])
    resp = sales.get(mobile(site, "home_tasks"))
    assert resp.status_code == status and "exc_type" in resp.json()
    site.control.clear_faults()
    assert sales.get(mobile(site, "home_tasks")).status_code == 200


def test_an_html_error_page_is_what_a_proxy_answers(site, sales):
    site.control.set_faults([{"kind": "html", "status": 502}])
    resp = sales.get(mobile(site, "home_tasks"))
    assert resp.status_code == 502 and resp.headers["Content-Type"].startswith("text/html")
    assert "<title>502 Bad Gateway</title>" in resp.text


def test_invalid_json_keeps_the_status_but_not_the_body(site, sales):
    site.control.set_faults([{"kind": "invalid_json"}])
    resp = sales.get(mobile(site, "home_tasks"))
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.text)


def test_rate_limit_answers_429_with_retry_after(site, sales):
    site.control.set_faults([{"kind": "rate_limit", "retry_after": 7}])
    resp = sales.get(mobile(site, "home_tasks"))
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "7"


def test_a_timeout_never_answers(site, sales):
    site.control.set_faults([{"kind": "timeout", "seconds": 3}])
    started = time.perf_counter()
    with pytest.raises(requests.exceptions.ReadTimeout):
        sales.get(mobile(site, "home_tasks"), timeout=0.5)
    assert time.perf_counter() - started < 2
    assert _faulted(site)[-1] == "timeout", "logged while the client still waits"


def test_refuse_reset_drops_the_connection_but_the_control_api_still_answers(site, sales):
    site.control.set_faults([{"kind": "refuse"}])
    with pytest.raises(requests.exceptions.ConnectionError):
        sales.get(mobile(site, "home_tasks"), timeout=5)
    site.control.clear_faults()  # on the site's own port
    assert sales.get(mobile(site, "home_tasks"), timeout=5).status_code == 200


def test_refuse_closed_is_a_refused_connection_until_cleared_on_the_admin_port(site, sales):
    site.control.set_faults([{"kind": "refuse", "mode": "closed"}])
    deadline = time.monotonic() + 3
    while site.admin.call("GET", "/faults")["listening"] and time.monotonic() < deadline:
        time.sleep(0.02)
    with pytest.raises(requests.exceptions.ConnectionError) as refused:
        requests.get(mobile(site, "home_tasks"), timeout=5)
    assert "refused" in str(refused.value).lower()
    site.admin.clear_faults()
    assert sales.get(mobile(site, "home_tasks"), timeout=5).status_code == 200


def test_rate_count_and_paths_decide_which_requests_fail(site, sales):
    site.control.set_faults([{"kind": "error", "status": 503, "rate": 0.0}])
    assert all(sales.get(mobile(site, "home_tasks")).ok for _ in range(5))
    site.control.set_faults([{"kind": "error", "status": 503, "count": 2}])
    codes = [sales.get(mobile(site, "home_tasks")).status_code for _ in range(4)]
    assert codes == [503, 503, 200, 200]
    site.control.set_faults([{"kind": "error", "paths": ["/api/resource/"]}])
    assert sales.get(mobile(site, "home_tasks")).status_code == 200
    assert sales.get(f"{site.url}/api/resource/CRM Task").status_code == 500
    half = {"kind": "error", "status": 503, "rate": 0.5}
    site.control.set_faults([half])
    codes = {sales.get(mobile(site, "home_tasks")).status_code for _ in range(40)}
    assert codes == {200, 503}


def test_faults_can_come_from_the_configuration_and_bad_rules_are_refused(site):
    with pytest.raises(RuntimeError, match="kind"):
        site.control.set_faults([{"kind": "gremlins"}])
    assert site.control.call("GET", "/faults")["faults"] == []
