"""Frappe's own typed values; the portal's (task, assignee, page, vocabulary, capabilities) are
``portal.sites.backends.types``, re-exported here for this package's modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..types import (  # noqa: F401
    MAX_DESCRIPTION,
    MAX_EXTRA_KEYS,
    MAX_SHORT,
    MAX_TITLE,
    Assignee,
    Bucket,
    Capabilities,
    Page,
    PortalStatus,
    Task,
    Vocabulary,
)

Flavour = Literal["deployed", "documented", "plain"]


@dataclass(frozen=True)
class SiteBuckets:
    """The site's own main_page_buckets: ``late`` is the site's definition (start before today,
    open), NOT overdue [230]; use ``buckets.bucket()`` for the portal's buckets."""

    today: tuple[Task, ...]
    late: tuple[Task, ...]
    upcoming: tuple[Task, ...]
    min_each: int
