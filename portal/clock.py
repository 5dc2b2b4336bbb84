"""The portal's one clock.

Everything that asks "what time is it" for business logic (buckets, reminder timing, quiet
hours, snapshots) calls `clock.now()`. Tests and demos can set the time for *every* process of a
running stack, web, worker and beat alike, through a small JSON file named by PORTAL_CLOCK_FILE:
a test cannot patch the clock inside a Celery worker process it started.

File format: {"frozen": "2026-11-23T17:00:00+00:00"} or {"offset_seconds": 86400}.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings

_cache_lock = threading.Lock()
_cache: dict[str, object] = {"key": None, "value": None}


def _override(path: Path) -> dict | None:
    """Reads the override file, cached on its modification time so hot paths stay cheap."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        if _cache["key"] == key:
            return _cache["value"]  # type: ignore[return-value]
    try:
        value = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        value = None
    with _cache_lock:
        _cache["key"], _cache["value"] = key, value
    return value


def now() -> datetime:
    """The current time, aware, in UTC (or the time a test has set)."""
    real = datetime.now(UTC)
    path = getattr(settings, "PORTAL_CLOCK_FILE", None)
    if not path:
        return real
    override = _override(Path(path))
    if not override:
        return real
    if override.get("frozen"):
        frozen = datetime.fromisoformat(override["frozen"])
        if frozen.tzinfo is None:
            frozen = frozen.replace(tzinfo=UTC)
        return frozen.astimezone(UTC)
    return real + timedelta(seconds=float(override.get("offset_seconds", 0)))


def set_clock(path: str | os.PathLike, *, frozen: datetime | None = None, offset_seconds=None):
    """Writes an override file (for tests and demos); atomic so readers never see half a file."""
    payload: dict[str, object] = {}
    if frozen is not None:
        payload["frozen"] = frozen.isoformat()
    if offset_seconds is not None:
        payload["offset_seconds"] = offset_seconds
    target = Path(path)
    temp = target.with_suffix(".tmp")
    temp.write_text(json.dumps(payload))
    os.replace(temp, target)
