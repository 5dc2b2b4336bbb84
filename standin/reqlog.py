"""A per-site request log that tests and benchmarks read (`GET /_standin/log`)."""

from __future__ import annotations

import threading
from collections import deque
from datetime import UTC, datetime


class RequestLog:
    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict] = deque(maxlen=max(limit, 1))
        self._seq = 0

    def add(
        self,
        *,
        method: str,
        path: str,
        query: str,
        status: int,
        duration_ms: float,
        user: str | None,
        auth: str,
        fault: str | None = None,
        cost_ms: float = 0.0,
    ) -> None:
        with self._lock:
            self._seq += 1
            self._entries.append(
                {
                    "seq": self._seq,
                    "at": datetime.now(UTC).isoformat(),
                    "method": method,
                    "path": path,
                    "query": query,
                    "status": status,
                    "duration_ms": round(duration_ms, 3),
                    "user": user,
                    "auth": auth,
                    "fault": fault,
                    "cost_ms": round(cost_ms, 3),
                }
            )

    def entries(self, since: int = 0, limit: int | None = None) -> list[dict]:
        with self._lock:
            out = [e for e in self._entries if e["seq"] > since]
        return out[-limit:] if limit else out

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
