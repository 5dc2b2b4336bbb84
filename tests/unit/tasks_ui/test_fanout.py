"""Many sites at once: outcomes in order, a slow site timed out into a problem, failures as
words naming the site, and a cap on concurrent calls per site."""

from __future__ import annotations

import threading
import time

import pytest

from portal.sites.backends.frappe import NoPermission, ReconnectNeeded, Transient, ValidationFailed
from portal.sites.models import Site
from portal.tasks_ui.fanout import fan_out, problem_for, site_slot


def sites(*names):
    return [Site(pk=900 + i, name=name) for i, name in enumerate(names)]


def test_outcomes_keep_the_order_of_the_sites_and_turn_failures_into_problems():
    fast, broken, refused = sites("Fast", "Broken", "Refused")

    def work(site):
        if site is broken:
            raise Transient("Could not connect to the site.")
        if site is refused:
            raise ReconnectNeeded("token expired")
        return site.name.upper()

    outcomes = fan_out([fast, broken, refused], work, site_timeout=5, budget=5)
    assert [o.site for o in outcomes] == [fast, broken, refused]
    assert outcomes[0].value == "FAST" and outcomes[0].problem is None
    assert outcomes[1].problem.kind == "unreachable" and "Broken" in outcomes[1].problem.message
    assert outcomes[2].problem.kind == "reconnect"


def test_a_slow_site_becomes_a_timeout_while_the_others_return():
    quick, slow = sites("Quick", "Slow")
    release = threading.Event()

    def work(site):
        if site is slow:
            release.wait(30)
        return site.name

    # A timeout far above what the quick site needs, even on a busy machine.
    outcomes = fan_out([quick, slow], work, site_timeout=2, budget=30)
    release.set()
    assert outcomes[0].value == "Quick"
    assert outcomes[1].problem.kind == "timeout"
    assert "Slow did not answer within 2 seconds." == outcomes[1].problem.message


def test_the_page_budget_bounds_the_wait_for_every_site():
    (slow,) = sites("Slow")
    release = threading.Event()
    outcomes = fan_out([slow], lambda site: release.wait(5), site_timeout=10, budget=0.2)
    release.set()
    assert outcomes[0].problem.kind == "timeout"


def test_no_more_than_the_cap_of_calls_reach_one_site_at_once(settings):
    settings.INBOX_SITE_CONCURRENCY = 2
    busy, peak, lock = [0], [0], threading.Lock()

    def call():
        with site_slot(12345):
            with lock:
                busy[0] += 1
                peak[0] = max(peak[0], busy[0])
            time.sleep(0.05)
            with lock:
                busy[0] -= 1

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] == 2


@pytest.mark.parametrize(
    ("error", "kind", "retry"),
    [
        (Transient("Could not connect to the site."), "unreachable", True),
        (NoPermission("Not permitted"), "refused", False),
        (ValidationFailed("Bad value"), "error", True),
        (RuntimeError("boom"), "error", True),
    ],
)
def test_problems_name_the_site(error, kind, retry):
    (site,) = sites("Jeddah")
    problem = problem_for(error, site)
    assert problem.kind == kind and problem.can_retry is retry
    assert problem.message.startswith("Jeddah")
