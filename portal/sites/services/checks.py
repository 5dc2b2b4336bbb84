"""Periodic checks of a site, kept with it (``Site.capabilities["periodic_checks"]``): when each
last ran and what it found, for the health page and for deciding when to run it again."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from portal import clock
from portal.sites.models import Site

MAX_WORDS = 1000


def site_check_due(*, site: Site, name: str, every: timedelta) -> bool:
    last = (site.capabilities or {}).get("periodic_checks", {}).get(name, {}).get("at")
    if not last:
        return True
    try:
        return clock.now() - datetime.fromisoformat(last) >= every
    except ValueError:
        return True


def site_check_record(*, site: Site, name: str, at: datetime, ok: bool | None, words: str) -> None:
    """``ok`` None: the check could not run. Read-modify-write under a row lock, so a probe
    saving the capabilities meanwhile loses nothing."""
    with transaction.atomic():
        fresh = Site.objects.select_for_update().filter(pk=site.pk).first()
        if fresh is None:
            return
        capabilities = dict(fresh.capabilities or {})
        checks = dict(capabilities.get("periodic_checks") or {})
        checks[name] = {"at": at.isoformat(), "ok": ok, "words": words[:MAX_WORDS]}
        capabilities["periodic_checks"] = checks
        Site.objects.filter(pk=site.pk).update(capabilities=capabilities)
    site.capabilities = capabilities


def site_checks(site: Site) -> dict[str, dict]:
    """Each check's last outcome, its time as a datetime (for pages to format)."""
    out = {}
    for name, check in ((site.capabilities or {}).get("periodic_checks") or {}).items():
        try:
            at = datetime.fromisoformat(check.get("at") or "")
        except ValueError:
            at = None
        out[name] = {**check, "at": at}
    return out
