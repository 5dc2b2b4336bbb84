"""When reminders are due and when a recipient may get them (pure functions, pinned times)."""

from datetime import UTC, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from portal.notifications.timing import (
    ESCALATION,
    FIRST,
    Sent,
    Timing,
    Window,
    escalation_due,
    next_open,
    next_step,
    retry_delay,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
TIMING = Timing(
    first_after=timedelta(hours=1),
    repeat_every=timedelta(hours=24),
    max_repeats=2,
    escalate_after=timedelta(hours=48),
)


def test_the_first_reminder_waits_for_the_delay():
    became = NOW - timedelta(minutes=59)
    assert next_step(timing=TIMING, became_at=became, now=NOW, last=None) is None
    assert (
        next_step(timing=TIMING, became_at=became, now=NOW + timedelta(minutes=1), last=None)
        == FIRST
    )


def test_repeats_come_every_interval_up_to_the_maximum():
    became = NOW - timedelta(days=5)
    first = Sent(step=FIRST, at=NOW)
    assert (
        next_step(timing=TIMING, became_at=became, now=NOW + timedelta(hours=23), last=first)
        is None
    )
    assert (
        next_step(timing=TIMING, became_at=became, now=NOW + timedelta(hours=24), last=first) == 1
    )
    second = Sent(step=2, at=NOW)
    assert (
        next_step(timing=TIMING, became_at=became, now=NOW + timedelta(days=30), last=second)
        is None
    )


def test_missed_repeats_do_not_pile_up_after_an_outage():
    became = NOW - timedelta(days=10)
    last = Sent(step=FIRST, at=NOW - timedelta(days=9))
    assert next_step(timing=TIMING, became_at=became, now=NOW, last=last) == 1


def test_no_repeat_interval_means_one_reminder():
    once = Timing(timedelta(0), None, 5, None)
    assert next_step(timing=once, became_at=NOW, now=NOW, last=None) == FIRST
    assert next_step(timing=once, became_at=NOW, now=NOW + timedelta(days=9),
                     last=Sent(FIRST, NOW)) is None  # fmt: skip


def test_escalation_is_due_once_after_its_delay():
    became = NOW - timedelta(hours=47)
    assert not escalation_due(timing=TIMING, became_at=became, now=NOW, escalated=False)
    later = NOW + timedelta(hours=1)
    assert escalation_due(timing=TIMING, became_at=became, now=later, escalated=False)
    assert not escalation_due(timing=TIMING, became_at=became, now=later, escalated=True)
    never = Timing(timedelta(0), None, 0, None)
    assert not escalation_due(timing=never, became_at=became, now=later, escalated=False)
    assert ESCALATION == -1


RIYADH = ZoneInfo("Asia/Riyadh")


def test_outside_quiet_hours_on_a_working_day_it_sends_now():
    window = Window(quiet_start=time(22), quiet_end=time(7))
    assert next_open(now=NOW, zone=RIYADH, window=window) == NOW  # 12:00 in Riyadh


def test_quiet_hours_across_midnight_hold_until_they_end_in_the_recipients_zone():
    window = Window(quiet_start=time(22), quiet_end=time(7))
    late_evening = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)  # 23:30 in Riyadh
    opens = next_open(now=late_evening, zone=RIYADH, window=window)
    assert opens == datetime(2026, 11, 24, 7, 0, tzinfo=RIYADH)
    # The same instant is 20:30 in London: open there.
    assert (
        next_open(now=late_evening, zone=ZoneInfo("Europe/London"), window=window) == late_evening
    )


def test_a_day_off_holds_until_the_next_working_morning():
    # Sunday to Thursday, as in Saudi Arabia; quiet 18:00-08:00.
    window = Window(
        quiet_start=time(18), quiet_end=time(8), working_days=frozenset({6, 0, 1, 2, 3})
    )
    friday_noon = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert next_open(now=friday_noon, zone=RIYADH, window=window) == datetime(
        2026, 11, 29, 8, 0, tzinfo=RIYADH
    )


def test_working_days_without_quiet_hours_open_at_midnight():
    window = Window(working_days=frozenset({0, 1, 2, 3, 4}))
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert next_open(now=saturday, zone=ZoneInfo("UTC"), window=window) == datetime(
        2026, 11, 30, 0, 0, tzinfo=UTC
    )


def test_a_quiet_end_skipped_by_a_dst_jump_still_opens():
    # Europe/Berlin springs forward at 02:00 on 2026-03-29: 02:30 does not exist that day.
    berlin = ZoneInfo("Europe/Berlin")
    window = Window(quiet_start=time(22), quiet_end=time(2, 30))
    night = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 00:00 in Berlin
    opens = next_open(now=night, zone=berlin, window=window)
    assert opens > night
    assert window.is_open(opens.astimezone(berlin))


def test_equal_quiet_start_and_end_mean_no_quiet_hours():
    window = Window(quiet_start=time(9), quiet_end=time(9))
    assert next_open(now=NOW, zone=RIYADH, window=window) == NOW


def test_backoff_doubles_with_jitter_up_to_the_cap():
    rng = Random(4)
    delays = [
        retry_delay(attempt=n, base_seconds=30, cap_seconds=600, rng=rng) for n in range(1, 9)
    ]
    ceilings = [30, 60, 120, 240, 480, 600, 600, 600]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling


def test_jitter_spreads_equal_attempts():
    rng = Random(1)
    assert (
        len({retry_delay(attempt=3, base_seconds=30, cap_seconds=600, rng=rng) for _ in range(20)})
        > 1
    )


def test_a_longer_retry_after_wins():
    assert retry_delay(attempt=1, base_seconds=30, cap_seconds=600, retry_after=900) == 900
    short = retry_delay(attempt=5, base_seconds=30, cap_seconds=600, retry_after=1, rng=Random(0))
    assert short >= 240
