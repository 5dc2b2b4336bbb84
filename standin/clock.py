"""A site's clock: real, frozen, or shifted by an offset, settable at run time.

The portal's worker runs in another process, so tests cannot patch its clock;
they set the stand-in's instead (`POST /_standin/clock`). Frappe stores naive
datetimes in the site's time zone, so the clock also knows the zone.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant; a naive value is taken as UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class SiteClock:
    def __init__(
        self,
        time_zone: str = "UTC",
        mode: str = "real",
        now: str | None = None,
        offset_seconds: float = 0.0,
    ) -> None:
        self._lock = threading.Lock()
        self.zone = ZoneInfo(time_zone)
        self.time_zone = time_zone
        self.mode = "real"
        self.frozen_at: datetime | None = None
        self.offset = timedelta(0)
        self.set(mode=mode, now=now, offset_seconds=offset_seconds)

    def set(
        self,
        mode: str | None = None,
        now: str | None = None,
        offset_seconds: float | None = None,
        advance_seconds: float | None = None,
    ) -> None:
        with self._lock:
            if mode not in (None, "real", "frozen"):
                raise ValueError(f"clock mode must be real or frozen, not {mode!r}")
            if offset_seconds is not None:
                self.offset = timedelta(seconds=float(offset_seconds))
            if mode == "real":
                self.mode, self.frozen_at = "real", None
            elif mode == "frozen":
                self.mode = "frozen"
                self.frozen_at = parse_instant(now) if now else datetime.now(UTC)
            elif now is not None:
                # A bare "now" freezes there: the common case in tests.
                self.mode, self.frozen_at = "frozen", parse_instant(now)
            if advance_seconds:
                if self.mode == "frozen":
                    self.frozen_at += timedelta(seconds=float(advance_seconds))
                else:
                    self.offset += timedelta(seconds=float(advance_seconds))

    def set_zone(self, time_zone: str) -> None:
        with self._lock:
            self.zone = ZoneInfo(time_zone)
            self.time_zone = time_zone

    def now_utc(self) -> datetime:
        with self._lock:
            base = self.frozen_at if self.mode == "frozen" else datetime.now(UTC)
            return base + self.offset

    def now_local(self) -> datetime:
        """Naive wall-clock time in the site's zone, as Frappe stores it."""
        return self.now_utc().astimezone(self.zone).replace(tzinfo=None)

    def state(self) -> dict:
        return {
            "mode": self.mode,
            "now": self.now_utc().isoformat(),
            "site_now": self.now_local().strftime("%Y-%m-%d %H:%M:%S.%f"),
            "offset_seconds": self.offset.total_seconds(),
            "time_zone": self.time_zone,
        }
