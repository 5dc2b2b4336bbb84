"""Which sites are big: more open tasks than one page of the generic list (1,000). Pages read a
small site whole and bucket it themselves; a big one is asked for counts and the rows a page
shows (the backend's bucket reads). Learned from a full first page, kept an hour."""

from __future__ import annotations

from django.core.cache import cache

BIG_SITE_SECONDS = 3600
_BIG = "big-site:{site_id}"


def site_is_big(site_id: int) -> bool:
    return bool(cache.get(_BIG.format(site_id=site_id)))


def site_mark_big(site_id: int) -> None:
    cache.set(_BIG.format(site_id=site_id), True, BIG_SITE_SECONDS)
