"""List filters the way EspoCRM reads them: bracket parameters.

``where[0][type]=in&where[0][attribute]=status&where[0][value][]=Started`` [081, 082]; nested
``or``/``and`` items number their values [094, 172]. A ``where`` sent as one JSON string is
**silently dropped** and the whole list comes back [095], so nothing here ever sends one: every
item is flattened into brackets by ``where_params``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

Item = dict[str, Any]


def equals(attribute: str, value: str) -> Item:
    return {"type": "equals", "attribute": attribute, "value": value}


def in_(attribute: str, values: Iterable[str]) -> Item:
    return {"type": "in", "attribute": attribute, "value": list(values)}


def not_in(attribute: str, values: Iterable[str]) -> Item:
    return {"type": "notIn", "attribute": attribute, "value": list(values)}


def before(attribute: str, value: str) -> Item:
    return {"type": "before", "attribute": attribute, "value": value}


def after(attribute: str, value: str) -> Item:
    return {"type": "after", "attribute": attribute, "value": value}


def between(attribute: str, low: str, high: str) -> Item:
    return {"type": "between", "attribute": attribute, "value": [low, high]}


def like(attribute: str, pattern: str) -> Item:
    """SQL ``LIKE`` (``%`` any text), case-insensitive under the site's collation."""
    return {"type": "like", "attribute": attribute, "value": pattern}


def any_of(*items: Item) -> Item:
    return {"type": "or", "value": list(items)}


def all_of(*items: Item) -> Item:
    return {"type": "and", "value": list(items)}


def _flatten(prefix: str, item: Item, out: list[tuple[str, str]]) -> None:
    out.append((f"{prefix}[type]", item["type"]))
    if "attribute" in item:
        out.append((f"{prefix}[attribute]", item["attribute"]))
    value = item.get("value")
    if item["type"] in ("or", "and"):
        for i, inner in enumerate(value or ()):
            _flatten(f"{prefix}[value][{i}]", inner, out)
    elif isinstance(value, list | tuple):
        out.extend((f"{prefix}[value][]", str(v)) for v in value)
    elif value is not None:
        out.append((f"{prefix}[value]", str(value)))


def where_params(items: Sequence[Item]) -> list[tuple[str, str]]:
    """The items as bracket parameters (pairs: array values repeat their key [082])."""
    out: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        _flatten(f"where[{i}]", item, out)
    return out
