"""The health badge of each site: reachable, credential valid, token expiry, last successful
call, last webhook received, last error. Refreshed by a periodic job and on demand.

The badge follows the latest evidence: a failure (an error, the site out of reach) counts only
while nothing newer went right, so a call that succeeds after an outage clears it at once
rather than at the next refresh. A verdict on the service credential (refused, no CRM role)
is cleared only by that credential working again. What the connection doctor found wrong
with the site's set-up (time zone unknown, no task API...) makes the badge ask for attention.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from portal import clock
from portal.sites.models import Connection, ServiceCredential, Site
from portal.sites.services import clients
from portal.sites.services.checks import site_checks
from portal.sites.services.doctor import REACHABLE_AT, doctor_checks
from portal.sites.services.registry import service_credential_check

# The doctor's reachability is one observation among fresher ones (see site_health).
_TIMED_CHECKS = {"reachable"}


@dataclass(frozen=True)
class Health:
    level: str  # "ok" | "warning" | "error" | "unknown"
    reachable: bool | None
    credential_ok: bool | None
    token_expires_at: datetime | None
    last_success_at: datetime | None
    last_webhook_at: datetime | None
    last_error: str
    last_error_at: datetime | None
    attention: tuple[str, ...] = ()  # why the level is "warning", in the reader's language


def _newest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def _reachable_at(site: Site) -> datetime | None:
    stored = (site.capabilities or {}).get(REACHABLE_AT)
    if stored:
        try:
            return datetime.fromisoformat(stored)
        except (TypeError, ValueError):
            pass
    return _newest(site.probed_at, site.health_checked_at)


def site_health(*, site: Site, connection: Connection | None = None) -> Health:
    credential = ServiceCredential.objects.filter(site=site).first()
    succeeded = _newest(site.last_success_at, credential.last_success_at if credential else None)

    def still_true(failed_at: datetime | None) -> bool:
        """A failure stands unless something went right after it."""
        return succeeded is None or failed_at is None or failed_at > succeeded

    reachable = (site.capabilities or {}).get("reachable")
    if reachable is False and not still_true(_reachable_at(site)):
        reachable = True  # a later call reached it
    credential_ok = None
    if credential is not None and credential.checked_at:
        # Its last check's verdict: a check that passes clears the error.
        credential_ok = not credential.last_error
    if connection is not None and connection.needs_reconnect:
        credential_ok = False
    recent_error = bool(site.last_error_at) and still_true(site.last_error_at)

    attention = [
        check.label
        for check in doctor_checks(site)
        if check.ok is False and check.key not in _TIMED_CHECKS
    ]
    if credential is None:
        attention.append(_("no service credential"))
    if site_checks(site).get("late_bucket", {}).get("ok") is False:
        attention.append(_("its late bucket differs from the portal's reading"))
    if reachable is False or credential_ok is False or recent_error:
        level = "error"
    elif reachable is None and credential_ok is None:
        level = "unknown"
    elif attention:
        level = "warning"
    else:
        level = "ok"
    return Health(
        level=level,
        reachable=reachable,
        credential_ok=credential_ok,
        token_expires_at=connection.token_expires_at if connection else None,
        last_success_at=site.last_success_at,
        last_webhook_at=site.last_webhook_at,
        last_error=site.last_error if recent_error else "",
        last_error_at=site.last_error_at,
        attention=tuple(attention),
    )


def site_health_refresh(*, site: Site) -> None:
    """Probes the site anonymously, then (when it answers) with its service credential, and
    records the outcome. A site out of reach says nothing about its credential, so the
    credential is only checked, and its verdict booked, when the site answers."""
    now = clock.now()
    found = clients.backend_anonymous(site).probe()
    capabilities = dict(site.capabilities or {})
    capabilities["reachable"] = found.reachable
    capabilities[REACHABLE_AT] = now.isoformat()
    Site.objects.filter(pk=site.pk).update(capabilities=capabilities, health_checked_at=now)
    if not found.reachable:
        clients.site_failed(
            site, Exception("; ".join(found.findings) or "The site cannot be reached.")
        )
        return
    credential = ServiceCredential.objects.filter(site=site).select_related("site").first()
    if credential is not None:
        service_credential_check(credential=credential)
        if credential.last_error:
            clients.site_failed(site, Exception(credential.last_error))
            return
    clients.site_succeeded(site)
