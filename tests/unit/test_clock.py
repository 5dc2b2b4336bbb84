"""The portal clock can be set for every process through a file."""

from datetime import UTC, datetime

from portal import clock


def test_it_follows_real_time_without_an_override(settings):
    settings.PORTAL_CLOCK_FILE = None
    before = datetime.now(UTC)
    assert before <= clock.now() <= datetime.now(UTC)


def test_a_frozen_time_holds_until_the_file_changes(settings, tmp_path):
    path = tmp_path / "clock.json"
    settings.PORTAL_CLOCK_FILE = str(path)
    frozen = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    clock.set_clock(path, frozen=frozen)
    assert clock.now() == frozen
    clock.set_clock(path, offset_seconds=86400)
    shift = clock.now() - datetime.now(UTC)
    assert 86399 < shift.total_seconds() <= 86400


def test_a_missing_file_means_real_time(settings, tmp_path):
    settings.PORTAL_CLOCK_FILE = str(tmp_path / "absent.json")
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5
