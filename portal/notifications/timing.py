"""When a reminder is due, and when a recipient may receive it. Pure functions of their inputs
(the caller passes the portal clock's now), so tests can pin every case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FIRST = 0
ESCALATION = -1
ALL_DAYS = frozenset(range(7))


@dataclass(frozen=True)
class Timing:
    first_after: timedelta
    repeat_every: timedelta | None  # None: never repeat
    max_repeats: int
    escalate_after: timedelta | None  # None: never escalate


@dataclass(frozen=True)
class Sent:
    step: int  # 0 first, n repeat n
    at: datetime  # when that step was (or, if held, will be) sent


def next_step(
    *, timing: Timing, became_at: datetime, now: datetime, last: Sent | None
) -> int | None:
    """The step due now, or None. Missed repeats do not pile up: after an outage one repeat
    goes, and the next one is counted from it."""
    if last is None:
        return FIRST if now >= became_at + timing.first_after else None
    if timing.repeat_every is None or last.step >= timing.max_repeats:
        return None
    return last.step + 1 if now >= last.at + timing.repeat_every else None


def escalation_due(*, timing: Timing, became_at: datetime, now: datetime, escalated: bool) -> bool:
    if escalated or timing.escalate_after is None:
        return False
    return now >= became_at + timing.escalate_after


def escalation_next_due(
    *, timing: Timing, next_after: timedelta | None, became_at: datetime, now: datetime,
    escalated: bool,
) -> bool:  # fmt: skip
    """The level after the team lead's: ``next_after`` later than the lead's level (or than the
    start, for a rule that does not escalate to leads)."""
    if escalated or next_after is None:
        return False
    return now >= became_at + (timing.escalate_after or timedelta(0)) + next_after


def before_due_step_due(
    *, offsets: list[int], due: datetime, now: datetime, sent: int | None
) -> int | None:
    """Which "before due" reminder is due now (minutes ahead), or None. Only the nearest offset
    reached goes: a task found an hour before it is due gets the hour's reminder, not the
    day's as well; ``sent`` (the nearest one sent so far) is never sent again, nor a wider one."""
    if now >= due:
        return None
    reached = [m for m in offsets if now >= due - timedelta(minutes=m)]
    if not reached:
        return None
    nearest = min(reached)
    if sent is not None and sent <= nearest:
        return None
    return nearest


# --- quiet hours and working days, in the recipient's zone ---------------------------------------


@dataclass(frozen=True)
class Window:
    """When a recipient may be sent messages: working days (0 = Monday), outside quiet hours.
    Quiet hours may cross midnight (22:00-07:00); equal start and end mean none."""

    quiet_start: time | None = None
    quiet_end: time | None = None
    working_days: frozenset[int] = ALL_DAYS

    @property
    def has_quiet_hours(self) -> bool:
        return (
            self.quiet_start is not None
            and self.quiet_end is not None
            and self.quiet_start != self.quiet_end
        )

    def is_open(self, local: datetime) -> bool:
        if local.weekday() not in self.working_days:
            return False
        if not self.has_quiet_hours:
            return True
        moment = local.time().replace(tzinfo=None)
        start, end = self.quiet_start, self.quiet_end
        if start < end:  # type: ignore[operator]
            quiet = start <= moment < end  # type: ignore[operator]
        else:  # crosses midnight
            quiet = moment >= start or moment < end  # type: ignore[operator]
        return not quiet


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time in a zone; a time skipped by a DST jump lands just after it."""
    naive = datetime.combine(day, at.replace(tzinfo=None))
    aware = naive.replace(tzinfo=zone)
    # Round-trip through UTC normalises a non-existent wall time (spring forward).
    return aware.astimezone(UTC).astimezone(zone)


def next_open(*, now: datetime, zone: ZoneInfo, window: Window) -> datetime:
    """``now`` if the window is open, else the first instant it opens (aware, UTC). Messages
    held by quiet hours or a day off go out then: they are never dropped."""
    if not window.working_days:
        return now  # a rule with no working day would hold forever: treat as always open
    local = now.astimezone(zone)
    if window.is_open(local):
        return now
    candidates = []
    for offset in range(0, 9):
        day = local.date() + timedelta(days=offset)
        candidates.append(_local(day, time(0, 0), zone))
        if window.has_quiet_hours:
            candidates.append(_local(day, window.quiet_end, zone))  # type: ignore[arg-type]
    for candidate in sorted(c for c in candidates if c > local):
        if window.is_open(candidate):
            return candidate.astimezone(UTC)
    return now  # unreachable with at least one working day; never hold forever


# --- retries ----------------------------------------------------------------------------------


def retry_delay(
    *,
    attempt: int,
    base_seconds: float,
    cap_seconds: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds before attempt ``attempt + 1``: exponential (base, 2 base, 4 base...) capped, with
    "equal jitter" (half fixed, half random) so a burst of failures does not retry in lockstep;
    a server's Retry-After wins when it asks for longer (Slack's 429:
    https://docs.slack.dev/apis/web-api/rate-limits)."""
    exponent = min(max(attempt - 1, 0), 30)
    ceiling = min(cap_seconds, base_seconds * (2**exponent))
    draw = (rng or random).random()
    delay = ceiling / 2 + draw * ceiling / 2
    if retry_after is not None and retry_after > delay:
        delay = float(retry_after)
    return delay
