"""The crm app's periodic job that switches overdue tasks to `late`.

On a live site it runs every minute and compares `due_date` with now in the
site's zone, with a raw update: no webhook, `modified` unchanged (contract
README, "Overdue is not the late bucket"). It was off on the recorded site
[244], so it is off unless a site's config turns it on.
"""

from __future__ import annotations

import threading


class LateSwitch:
    def __init__(self, site) -> None:
        self.site = site
        self.enabled = False
        self.interval = 60.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def configure(self, enabled: bool | None = None, interval_seconds: float | None = None) -> None:
        if interval_seconds is not None:
            if float(interval_seconds) <= 0:
                raise ValueError("interval_seconds must be positive")
            self.interval = float(interval_seconds)
        if enabled is not None:
            self.enabled = bool(enabled)
        self._restart()

    def _restart(self) -> None:
        self.stop()
        if self.enabled and self.site.flavour.late_status:
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._loop, daemon=True, name=f"late-switch-{self.site.name}"
            )
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.run()

    def run(self) -> list[int]:
        """One pass of the job; returns the ids it switched."""
        flavour = self.site.flavour
        if not flavour.late_status:
            return []
        self.runs += 1
        return self.site.store.switch_overdue(
            self.site.now_text(), flavour.late_exempt, flavour.late_status
        )

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def state(self) -> dict:
        return {"enabled": self.enabled, "interval_seconds": self.interval, "runs": self.runs}
