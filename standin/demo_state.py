"""A demo site's state kept across restarts (``--state-file PATH``): demo processes only.

The stand-in sites hold everything in memory, which tests and benchmarks want. A demo is
different: the portal beside it keeps its own history (audit log, reminders, reports), so a
task created or completed through the portal must still be there, with its status, after a
restart. A demo process restores the tasks from its state file at start and writes them back
within a second of any change and once more at a clean stop, so even a killed process loses at
most that second. The file is JSON written under a temporary name and renamed into place: a
stop half-way through a write leaves the previous state, never a torn one.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path


class StateFile:
    """``load()`` what the last run kept; ``keep()`` writes ``dump()`` when it changed."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        dump: Callable[[], dict],
        version: Callable[[], object] | None = None,
    ) -> None:
        self.path = Path(path)
        self.dump = dump
        # Cheap to ask, and changes with every write to the state: unchanged, keep() skips
        # building and comparing the dump (a big site's is some 6 ms of work).
        self.version = version
        self._seen: object = None
        self._written: str | None = None

    def load(self) -> dict | None:
        """The kept state, or None on a first start. A file that does not parse is moved
        aside (``.bad``), not overwritten, so nothing is lost, and the site starts afresh."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            aside = self.path.with_name(self.path.name + ".bad")
            self.path.replace(aside)
            print(f"standin: {self.path} unreadable ({exc}); kept as {aside}, starting afresh",
                  file=sys.stderr, flush=True)  # fmt: skip
            return None
        self._written = text
        return data

    def keep(self) -> bool:
        """Writes the state if it differs from what the file holds; whether it wrote."""
        if self.version is not None:
            version = self.version()
            if version == self._seen and self._written is not None:
                return False
            self._seen = version
        text = json.dumps(self.dump(), ensure_ascii=False, sort_keys=True)
        if text == self._written:
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        # Only its owner reads it: it holds the demo users' sign-in tokens too.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        tmp.replace(self.path)
        self._written = text
        return True
