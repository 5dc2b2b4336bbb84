"""Cursor pagination for lists merged across sites.

Pages across sites come from the task selectors by number (a site is asked for its first
``page × size`` rows, which hold the page's rows in the one order, ``row_order``). A cursor
carries the next page's number and the order key of the last row given: the next page is the
rows after that key, so a task done or deleted between two requests makes no row repeat or
vanish from the following page. It is signed (never trusted from the caller) and bound to the
filters it was made with.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core import signing
from django.utils.translation import gettext as _
from rest_framework import exceptions

from portal.tasks_ui.selectors.rows import Row, row_order

SALT = "portal.api.cursor"
MAX_PAGE = 9_999  # as the pages: a site is never asked for more than this many pages' rows


@dataclass(frozen=True)
class Position:
    page: int = 1
    after: tuple | None = None


def _bound_to(params) -> str:
    pairs = sorted((k, v) for k in params for v in params.getlist(k) if k != "cursor")
    return hashlib.sha256(repr(pairs).encode()).hexdigest()[:16]


def position_read(params) -> Position:
    raw = params.get("cursor")
    if not raw:
        return Position()
    try:
        data = signing.loads(raw, salt=SALT)
    except signing.BadSignature:
        raise exceptions.ValidationError({"cursor": [_("This cursor is not valid.")]}) from None
    if data.get("f") != _bound_to(params):
        raise exceptions.ValidationError(
            {"cursor": [_("This cursor was made for other filters: start again without it.")]}
        )
    return Position(page=int(data["p"]), after=tuple(data["a"]))


def page_of(rows, position: Position, size: int) -> tuple[list[Row], Position | None]:
    """The rows of this position's page, and the next page's position (None: the last)."""
    known = list(rows[: min(len(rows), position.page * size)])
    if position.after is None:
        start = 0
    else:
        start = next((i for i, row in enumerate(known) if _key(row) > position.after), len(known))
    chosen = known[start : start + size]
    more = start + len(chosen) < len(rows)
    if not chosen or not more or position.page >= MAX_PAGE:
        return chosen, None
    return chosen, Position(page=position.page + 1, after=_key(chosen[-1]))


def _key(row: Row) -> tuple:
    return tuple(row_order(row))


def cursor_for(position: Position, params) -> str:
    return signing.dumps(
        {"p": position.page, "a": list(position.after or ()), "f": _bound_to(params)}, salt=SALT
    )
