"""A short-lived cache of what sites answered, invalidated per site.

Pages across many sites read the same lists again and again; a few seconds of caching makes
repeated reads (back button, htmx refreshes, counts) cheap. Each site has a version number in
the cache: the portal's own writes and inbound webhooks bump it, which orphans every cached
answer of that site at once without having to know their keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")
_VERSION_KEY = "site-cache-version:{site_id}"


def site_cache_version(site_id: int) -> int:
    key = _VERSION_KEY.format(site_id=site_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, 1, timeout=None)
        version = cache.get(key, 1)
    return int(version)


def site_cache_bump(site_id: int) -> None:
    """Forget every cached answer of this site (after a write, or a webhook saying it changed)."""
    key = _VERSION_KEY.format(site_id=site_id)
    try:
        cache.incr(key)
    except ValueError:  # not in the cache yet (or evicted): any new number orphans old entries
        cache.set(key, 2, timeout=None)


def site_cached(
    *, site_id: int, scope: str, parts: object, produce: Callable[[], T], ttl: int | None = None
) -> T:
    """`produce()` once per `ttl` seconds for this site, scope (say, a user id) and arguments."""
    ttl = settings.SITE_CACHE_SECONDS if ttl is None else ttl
    if ttl <= 0:
        return produce()
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[
        :32
    ]
    key = f"site-cache:{site_id}:{site_cache_version(site_id)}:{scope}:{digest}"
    found = cache.get(key)
    if found is not None:
        return found
    value = produce()
    cache.set(key, value, timeout=ttl)
    return value
