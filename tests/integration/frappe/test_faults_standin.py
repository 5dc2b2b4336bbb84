"""Each stand-in fault becomes the right typed error, after exactly one request.

Fault rules follow issue 4 (latency, error rate, timeouts, HTML error pages, invalid JSON, 429
with Retry-After, connection refused). Each test also checks the stand-in's request log shows
the fault was injected, so a fault the stand-in stopped injecting fails instead of passing on
a healthy answer.
"""

from __future__ import annotations

import pytest

from portal.sites.backends.frappe import (
    ApiKeyAuth,
    FrappeClient,
    ServerError,
    SiteError,
    Transient,
    UnexpectedAnswer,
)

from .conftest import KEYS, Control, dev_http

FAULTS = [
    ("error_503", {"kind": "error", "status": 503, "rate": 1.0}, Transient, False),
    ("error_500_read", {"kind": "error", "status": 500, "rate": 1.0}, ServerError, False),
    ("html_502", {"kind": "html", "status": 502}, Transient, False),
    ("invalid_json", {"kind": "invalid_json"}, UnexpectedAnswer, False),
    ("rate_limited", {"kind": "rate_limit", "retry_after": 7}, Transient, False),
    ("timeout", {"kind": "timeout"}, Transient, False),
]


def client_for(url: str, *, read_timeout: float = 2.0) -> FrappeClient:
    return FrappeClient(url, ApiKeyAuth(*KEYS["sales1@lab.local"]), time_zone="UTC",
                        flavour="deployed", http=dev_http(read_timeout=read_timeout))  # fmt: skip


@pytest.fixture
def deployed(standin) -> Control:
    site = Control(standin["deployed"])
    site.reset()
    yield site
    site.call("POST", "/faults/clear")


def outcome(call) -> SiteError | None:
    try:
        call()
    except SiteError as exc:
        return exc
    return None


def injected(site: Control, mark: int) -> list[dict]:
    entries = site.since(mark)
    assert any(e.get("fault") for e in entries), f"the stand-in injected no fault: {entries}"
    return entries


@pytest.mark.parametrize(("name", "rule", "kind", "permanent"), FAULTS, ids=[f[0] for f in FAULTS])
def test_each_fault_is_typed_and_not_retried_by_the_client(standin, deployed, name, rule, kind,
                                                           permanent):  # fmt: skip
    deployed.faults(rule)
    mark = deployed.mark()
    error = outcome(client_for(standin["deployed"], read_timeout=1.0).home_tasks)
    entries = injected(deployed, mark)
    assert isinstance(error, kind) and error.permanent is permanent and len(entries) == 1
    if name == "rate_limited":
        assert error.retry_after == 7


def test_a_500_on_a_write_is_reported_and_never_retried(standin, deployed):
    deployed.faults({"kind": "error", "status": 500, "rate": 1.0})
    mark = deployed.mark()
    error = outcome(lambda: client_for(standin["deployed"]).create_task(task_type="call"))
    injected(deployed, mark)
    assert isinstance(error, ServerError) and error.permanent and len(deployed.since(mark)) == 1


def test_latency_is_only_slower(standin, deployed):
    deployed.faults({"kind": "latency", "ms": 300})
    mark = deployed.mark()
    client_for(standin["deployed"]).home_tasks()
    injected(deployed, mark)


def test_a_refused_connection_is_transient(standin, deployed):
    deployed.faults({"kind": "refuse"})
    error = outcome(client_for(standin["deployed"]).home_tasks)
    assert isinstance(error, Transient), f"a refused connection gave {error!r}"
