"""The per-site circuit breaker: closed, open after repeated silence, one probe when half-open."""

from __future__ import annotations

import pytest

from portal.sites.services import circuit
from portal.sites.services.circuit import (
    SiteUnavailable,
    circuit_check,
    circuit_failure,
    circuit_gate,
    circuit_of,
    circuit_success,
)

SITE = 4242


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.CIRCUIT_FAILURES = 3
    settings.CIRCUIT_OPEN_SECONDS = 30
    settings.CIRCUIT_PROBE_SECONDS = 30


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(circuit.time, "time", lambda: now[0])
    return now


def test_a_site_is_asked_until_it_has_failed_the_limit_in_a_row(clock):
    for _ in range(2):
        circuit_failure(SITE, reason="timed out")
        circuit_check(SITE, site_name="Riyadh")  # still closed
    circuit_failure(SITE, reason="timed out")
    with pytest.raises(SiteUnavailable) as refused:
        circuit_check(SITE, site_name="Riyadh")
    assert "Riyadh stopped answering a moment ago (timed out)" in refused.value.message
    assert "within 30 seconds" in refused.value.message


def test_an_answer_in_between_starts_the_count_again(clock):
    circuit_failure(SITE, reason="x")
    circuit_failure(SITE, reason="x")
    circuit_success(SITE)
    circuit_failure(SITE, reason="x")
    circuit_check(SITE, site_name="Riyadh")
    assert circuit_of(SITE).failures == 1


def test_after_the_open_period_one_call_probes_and_the_others_still_fail_fast(clock):
    for _ in range(3):
        circuit_failure(SITE, reason="x")
    clock[0] += 31
    circuit_gate(SITE, site_name="Riyadh")  # this page's work is the probe
    circuit_check(SITE, site_name="Riyadh")  # ... and may make all its requests
    circuit_check(SITE, site_name="Riyadh")
    with pytest.raises(SiteUnavailable):
        circuit_gate(SITE, site_name="Riyadh")  # every other page, meanwhile


def test_a_probe_that_is_answered_closes_the_circuit(clock):
    for _ in range(3):
        circuit_failure(SITE, reason="x")
    clock[0] += 31
    circuit_gate(SITE, site_name="Riyadh")
    circuit_success(SITE)
    assert not circuit_of(SITE).is_open()
    circuit_gate(SITE, site_name="Riyadh")
    circuit_gate(SITE, site_name="Riyadh")


def test_a_probe_that_fails_opens_the_circuit_for_another_period(clock):
    for _ in range(3):
        circuit_failure(SITE, reason="x")
    clock[0] += 31
    circuit_gate(SITE, site_name="Riyadh")
    circuit_failure(SITE, reason="refused")
    clock[0] += 10
    with pytest.raises(SiteUnavailable) as refused:
        circuit_check(SITE, site_name="Riyadh")
    assert "(refused)" in refused.value.message and "within 20 seconds" in refused.value.message
