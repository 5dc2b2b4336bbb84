"""Scenario 1: a worker killed during a scan's sends. The scan is started as beat starts it (a
`scan_all` message); when the first reminder reaches the receiver, the worker that sent it is
killed with SIGKILL. The surviving worker and the sweeper must deliver the rest: every planned
delivery arrives, none twice. A delivery the dead worker had handed to the receiver but not
recorded ends "outcome unknown": not lost, and reported."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings

from cluster.portal_data import SETTLED, ledger_rows, ledger_worker_of
from portal.notifications.tasks import scan_all

FIRST_ARRIVAL_TIMEOUT = 120.0
SETTLE_TIMEOUT = 120.0
# After the ledger has settled: time for a late second copy to show itself.
GRACE_SECONDS = 3.0


@dataclass
class RemindersOutcome:
    expected: int
    delivered: int = 0
    duplicates: int = 0
    unsigned: int = 0
    unknown: int = 0
    lost: list[str] = field(default_factory=list)
    settled: bool = False

    @property
    def ok(self) -> bool:
        return (
            self.settled
            and self.delivered == self.expected
            and not self.duplicates
            and not self.unsigned
        )


def reminders_run(*, cluster, receiver, rule, expected: int, say) -> RemindersOutcome:
    outcome = RemindersOutcome(expected=expected)
    started = time.monotonic()
    scan_all.apply_async(queue=settings.NOTIFY_QUEUE)
    say("reminders: scan started (scan_all through the broker)")
    if not receiver.first.wait(FIRST_ARRIVAL_TIMEOUT):
        say(f"reminders: nothing reached the receiver in {FIRST_ARRIVAL_TIMEOUT:.0f} s")
        return outcome
    first = receiver.arrivals[0]
    victim_name = ledger_worker_of(first.key).partition("@")[0]
    victim = cluster.node(victim_name)
    if victim is None or not victim_name.startswith("worker"):
        say(f"reminders: the first delivery names no worker of ours ({victim_name!r})")
        return outcome
    cluster.kill(victim)
    in_hand = Counter(
        row.status
        for row in ledger_rows(rule)
        if row.worker.startswith(f"{victim_name}@") and row.status in ("claimed", "sending")
    )
    held = ", ".join(f"{n} {status}" for status, n in sorted(in_hand.items())) or "none recorded"
    say(
        f"reminders: first delivery after {time.monotonic() - started:.1f} s, from "
        f"{victim_name}; killed {victim_name} (kill -9) holding: {held}; "
        f"{len(receiver.keys())} of {expected} arrived so far"
    )

    deadline = time.monotonic() + SETTLE_TIMEOUT
    rows = ledger_rows(rule)
    while time.monotonic() < deadline:
        rows = ledger_rows(rule)
        if len(rows) >= expected and all(row.status in SETTLED for row in rows):
            outcome.settled = True
            break
        time.sleep(0.5)
    time.sleep(GRACE_SECONDS)
    rows = ledger_rows(rule)
    keys = receiver.keys()
    arrived = set(keys)
    by_status = Counter(row.status for row in rows)
    unknown = {row.key for row in rows if row.status == "unknown"}
    outcome.delivered = len({row.key for row in rows} & (arrived | unknown))
    outcome.duplicates = len(keys) - len(arrived)
    outcome.unsigned = sum(1 for arrival in receiver.arrivals if not arrival.signed)
    outcome.unknown = len(unknown)
    outcome.lost = sorted({row.key for row in rows} - arrived - unknown)
    senders = Counter(row.worker.partition("@")[0] for row in rows if row.status == "sent")
    say(
        f"reminders: ledger {dict(sorted(by_status.items()))} after "
        f"{time.monotonic() - started:.1f} s; sent by "
        + ", ".join(f"{name} {n}" for name, n in sorted(senders.items()))
    )
    if not outcome.settled:
        say(f"reminders: the ledger did not settle within {SETTLE_TIMEOUT:.0f} s")
    if len(rows) != expected:
        say(f"reminders: the scan planned {len(rows)} deliveries, {expected} were expected")
    if unknown:
        say(
            f"reminders: {len(unknown)} outcome unknown (the worker died between the receiver "
            f"taking it and the ledger recording it; not lost, shown for a replay): "
            f"{len(unknown & arrived)} of them reached the receiver"
        )
    if outcome.lost:
        say(f"reminders: lost {len(outcome.lost)}: " + ", ".join(k[:12] for k in outcome.lost))
    if outcome.unsigned:
        say(f"reminders: {outcome.unsigned} requests with a bad signature")
    stray = arrived - {row.key for row in rows}
    if stray:
        say(f"reminders: {len(stray)} arrivals match no delivery of the ledger")
    return outcome
