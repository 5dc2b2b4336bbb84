"""A circuit breaker per site, shared by every process through the cache.

A site that keeps not answering (timeouts: the client's, or a page's budget running out while it
was asked) is answered from its known error state for a while instead of tying up a request per
page load. A failure that comes back at once (a refused connection, a proxy's 502) ties nothing
up and is not counted: asking again costs nothing and shows a recovery at once.

- closed: calls go through; ``CIRCUIT_FAILURES`` failures in a row open it;
- open: calls fail at once with ``SiteUnavailable`` for ``CIRCUIT_OPEN_SECONDS``;
- half-open: after that, one page's work on the site (whoever claims the probe first, in any
  process: ``circuit_gate``) tries it; its success closes the circuit, its failure opens it
  again. Every other page keeps showing the error state until the probe has answered. Single
  requests are only refused while the circuit is open (``circuit_check``): a page's work is
  several requests, all of which the probe must be allowed.

Any answer from the site, even a refusal (401, 403, 417, a 500 from its code), shows it is alive
and closes the circuit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from portal.sites.backends.errors import Transient

_STATE = "circuit:{site_id}"
_PROBE = "circuit-probe:{site_id}"
# Every request to a site asks its circuit: a second's memory in this process saves a shared
# cache read per request (another process's verdict is seen a second later at most).
_MEMO_SECONDS = 1.0
_memo: dict[int, tuple[float, Circuit]] = {}


class SiteUnavailable(Transient):
    """Not asked: the site's circuit is open (it stopped answering a moment ago)."""


@dataclass(frozen=True)
class Circuit:
    failures: int = 0
    opened_at: float | None = None  # wall-clock seconds (shared by processes)
    reason: str = ""

    def is_open(self) -> bool:
        return self.opened_at is not None


def circuit_of(site_id: int) -> Circuit:
    remembered = _memo.get(site_id)
    if remembered is not None and remembered[0] > time.monotonic():
        return remembered[1]
    found = cache.get(_STATE.format(site_id=site_id))
    circuit = Circuit(**found) if isinstance(found, dict) else Circuit()
    _memo[site_id] = (time.monotonic() + _MEMO_SECONDS, circuit)
    return circuit


def _store(site_id: int, circuit: Circuit) -> None:
    _memo[site_id] = (time.monotonic() + _MEMO_SECONDS, circuit)
    # Kept well past the open period; a closed circuit with no failures needs no entry at all.
    cache.set(
        _STATE.format(site_id=site_id),
        {"failures": circuit.failures, "opened_at": circuit.opened_at, "reason": circuit.reason},
        timeout=max(600, 10 * settings.CIRCUIT_OPEN_SECONDS),
    )


def _seconds_left(circuit: Circuit) -> float:
    return settings.CIRCUIT_OPEN_SECONDS - (time.time() - (circuit.opened_at or 0))


def _refusal(circuit: Circuit, *, site_name: str, left: float) -> SiteUnavailable:
    return SiteUnavailable(
        _(
            "%(site)s stopped answering a moment ago (%(reason)s); the portal asks it again "
            "within %(seconds)s seconds."
        )
        % {
            "site": site_name,
            "reason": circuit.reason or _("no answer"),
            "seconds": max(1, round(left)) if left > 0 else settings.CIRCUIT_PROBE_SECONDS,
        },
        site=site_name,
    )


def circuit_state(site_id: int) -> str:
    """The circuit's state: "closed", "open", or "half_open" (open period over, the next
    probe decides)."""
    circuit = circuit_of(site_id)
    if not circuit.is_open():
        return "closed"
    return "open" if _seconds_left(circuit) > 0 else "half_open"


def circuit_check(site_id: int, *, site_name: str) -> None:
    """Before one request: raises ``SiteUnavailable`` while the circuit is open (half-open lets
    requests through: only a page's work that claimed the probe gets that far)."""
    circuit = circuit_of(site_id)
    if circuit.is_open():
        left = _seconds_left(circuit)
        if left > 0:
            raise _refusal(circuit, site_name=site_name, left=left)


def circuit_gate(site_id: int, *, site_name: str) -> None:
    """Before a page's work on a site: raises ``SiteUnavailable`` while the circuit is open, or
    half-open with the probe taken by other work; otherwise the work may ask the site."""
    circuit = circuit_of(site_id)
    if not circuit.is_open():
        return
    left = _seconds_left(circuit)
    if left <= 0 and cache.add(
        _PROBE.format(site_id=site_id), 1, timeout=settings.CIRCUIT_PROBE_SECONDS
    ):
        return  # this work is the probe
    raise _refusal(circuit, site_name=site_name, left=left)


def circuit_success(site_id: int) -> None:
    if circuit_of(site_id) == Circuit():
        return  # closed and clean: nothing to record
    cache.delete(_STATE.format(site_id=site_id))
    cache.delete(_PROBE.format(site_id=site_id))
    _memo[site_id] = (time.monotonic() + _MEMO_SECONDS, Circuit())


def circuit_failure(site_id: int, *, reason: str) -> None:
    """One more failure; opens (or re-opens, after a failed probe) the circuit at the limit."""
    circuit = circuit_of(site_id)
    failures = circuit.failures + 1
    opened_at = circuit.opened_at
    if failures >= settings.CIRCUIT_FAILURES:
        opened_at = time.time()  # a failed probe starts a new open period
        cache.delete(_PROBE.format(site_id=site_id))
    _store(site_id, Circuit(failures=failures, opened_at=opened_at, reason=reason[:200]))


def circuit_probe_now(site_id: int) -> None:
    """A person asked to try the site again: an open circuit goes half-open at once, so this
    page's work is the probe (a recovery shows without waiting out the open period)."""
    circuit = circuit_of(site_id)
    if circuit.is_open():
        half_open = time.time() - settings.CIRCUIT_OPEN_SECONDS - 1
        _store(site_id, Circuit(circuit.failures, half_open, circuit.reason))
        cache.delete(_PROBE.format(site_id=site_id))


def circuit_memo_clear() -> None:
    """Forget this process's memory of circuits (tests, after clearing the shared cache)."""
    _memo.clear()
