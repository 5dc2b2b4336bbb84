"""Frappe list-query semantics over the task table (`/api/resource`, get_count).

Frappe wraps a column in `ifnull(col, fallback)` for comparisons, so a task
without a due date matches `due_date < X` [201]: use `["due_date","is","set"]`
for a real overdue query [202]. Datetime values given as a bare date mean
midnight, which is why `date_to` leaves out later times that day [234].
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from standin.frappe import errors
from standin.frappe.store import COLUMNS, DATETIME_COLUMNS, INT_COLUMNS

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$")
_IDENT = re.compile(r"^(?:`?tabCRM Task`?\.)?`?([A-Za-z_][A-Za-z0-9_]*)`?$")
OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "in", "not in", "like", "not like", "is", "between")


def normalise_datetime(value: str) -> str | None:
    """`YYYY-MM-DD[ HH:MM[:SS[.f]]]` as stored (`YYYY-MM-DD HH:MM:SS`); None if malformed."""
    text = str(value).strip()
    if _DATE_ONLY.match(text):
        return f"{text} 00:00:00"
    m = _DATETIME.match(text)
    if not m:
        return None
    date, hh, mm, ss, frac = m.groups()
    out = f"{date} {hh}:{mm}:{ss or '00'}"
    if frac:
        out += frac.ljust(7, "0")
    return out


def column(name: str, clause: str) -> str:
    """A known column name; anything else is the database's 1054 error [031]."""
    m = _IDENT.match(str(name).strip())
    if not m or m.group(1) not in COLUMNS:
        raise errors.db_error(1054, f"Unknown column '{name}' in '{clause}'")
    return m.group(1)


def parse_order_by(text: str | None, default: str = "name asc") -> str:
    text = (text or "").strip() or default
    parts = []
    for item in text.split(","):
        words = item.strip().split()
        if not words:
            continue
        col = column(words[0], "ORDER BY")
        direction = words[1].lower() if len(words) > 1 else "asc"
        if direction not in ("asc", "desc") or len(words) > 2:
            raise errors.validation_error(f"Invalid sort order: {item.strip()}", source=False)
        parts.append(f"{col} {direction}")
    return ", ".join(parts)


def parse_fields(raw) -> list[str]:
    if raw in (None, "", []):
        return ["name"]
    items = _json_arg(raw, "fields")
    if isinstance(items, str):
        items = [items]
    out: list[str] = []
    for item in items:
        if item == "*":
            out.extend(c for c in COLUMNS if c not in out)
        else:
            out.append(column(item, "field list"))
    return out


def _json_arg(raw, name: str):
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        raise errors.validation_error(f"{name} must be JSON: {raw[:80]}", source=False) from None


def _typed(col: str, value):
    if value is None:
        return None
    if col in DATETIME_COLUMNS:
        return normalise_datetime(value) or str(value)
    if col in INT_COLUMNS:
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    return str(value)


def _fallback(col: str):
    if col in DATETIME_COLUMNS:
        return "0001-01-01 00:00:00"
    return 0 if col in INT_COLUMNS else ""


def _as_list(value) -> list:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value or [])


@dataclass
class Where:
    clauses: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)

    def add(self, clause: str, *params) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return " AND ".join(f"({c})" for c in self.clauses)


_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "!=": lambda a, b: a != b,
}


def _guarded(col: str, op: str, value, fallback) -> tuple[str, list]:
    """``ifnull(col, fallback) op value``, as Frappe writes it, in a form SQLite can answer
    from an index: the fallback's outcome is known here, so a NULL either matches or not."""
    try:
        nulls_match = _COMPARE[op](fallback, value)
    except TypeError:
        return f"ifnull({col}, ?) {op} ?", [fallback, value]
    if nulls_match:
        return f"({col} {op} ? OR {col} IS NULL)", [value]
    return f"{col} {op} ?", [value]


def _condition(where: Where, col: str, op: str, value) -> None:
    op = op.strip().lower()
    if op not in OPERATORS:
        raise errors.validation_error(
            f"Operator must be one of {', '.join(OPERATORS)}", source=False
        )
    if op == "is":
        if str(value).lower() == "set":
            where.add(f"({col} IS NOT NULL AND {col} != '')")
        else:
            where.add(f"({col} IS NULL OR {col} = '')")
    elif op in ("in", "not in"):
        values = [_typed(col, v) for v in _as_list(value)]
        if not values:
            where.add("1 = 0" if op == "in" else "1 = 1")
        elif op == "in":
            where.add(f"{col} IN ({', '.join('?' * len(values))})", *values)
        elif "" in values:  # ifnull(col, '') NOT IN (..., '', ...): a NULL never matches
            where.add(f"{col} NOT IN ({', '.join('?' * len(values))})", *values)
        else:
            where.add(f"({col} NOT IN ({', '.join('?' * len(values))}) OR {col} IS NULL)", *values)
    elif op in ("like", "not like"):
        if op == "like":
            where.add(f"{col} LIKE ?", str(value))
        else:
            sql, params = _guarded_like(col, str(value))
            where.add(sql, *params)
    elif op == "between":
        low, high = (list(value) + [None, None])[:2]
        high_v = _typed(col, high)
        if col in DATETIME_COLUMNS and high and _DATE_ONLY.match(str(high)):
            high_v = f"{high} 23:59:59.999999"
        where.add(f"{col} BETWEEN ? AND ?", _typed(col, low), high_v)
    elif op == "=" and value in (None, ""):
        where.add(f"({col} IS NULL OR {col} = '')")
    elif op == "=":
        where.add(f"{col} = ?", _typed(col, value))
    else:
        sql, params = _guarded(col, op, _typed(col, value), _fallback(col))
        where.add(sql, *params)


def _guarded_like(col: str, pattern: str) -> tuple[str, list]:
    # ifnull(col, '') NOT LIKE pattern: a NULL is '' and matches unless the pattern matches ''.
    return f"ifnull({col}, '') NOT LIKE ?", [pattern]


def parse_filters(raw, where: Where | None = None) -> Where:
    where = where or Where()
    if raw in (None, "", [], {}):
        return where
    data = _json_arg(raw, "filters")
    if isinstance(data, dict):
        items = [
            [k, *(v if isinstance(v, list) and len(v) == 2 else ["=", v])] for k, v in data.items()
        ]
    else:
        items = data
    for item in items:
        if not isinstance(item, list) or len(item) not in (2, 3, 4):
            raise errors.validation_error(f"Invalid filter: {item}", source=False)
        if len(item) == 4:
            item = item[1:]
        if len(item) == 2:
            item = [item[0], "=", item[1]]
        _condition(where, column(item[0], "where clause"), str(item[1]), item[2])
    return where
