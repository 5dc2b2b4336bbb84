"""Small helpers shared by the API modules."""

from __future__ import annotations

import json
from datetime import datetime, timedelta


def cint(value, default: int = 0) -> int:
    """Frappe's cint: "20" -> 20, junk -> default."""
    try:
        return int(float(str(value).strip()))
    except (TypeError, ValueError):
        return default


def as_list(value) -> list[str]:
    """A list argument given as a JSON list, a JSON string or a comma list."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except ValueError:
            pass
    return [v.strip() for v in text.split(",") if v.strip()]


def day_bounds(site) -> tuple[str, str]:
    """Today's and tomorrow's midnight in the site's zone [240-242]."""
    now: datetime = site.clock.now_local()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    fmt = "%Y-%m-%d %H:%M:%S"
    return today.strftime(fmt), (today + timedelta(days=1)).strftime(fmt)


def in_clause(column: str, values: list[str]) -> tuple[str, list[str]]:
    return f"{column} IN ({', '.join('?' * len(values))})", list(values)
