"""The health badge of each site: reachable, credential valid, token expiry, last successful
call, last webhook received, last error. Refreshed by a periodic job and on demand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal import clock
from portal.sites.models import Connection, ServiceCredential, Site
from portal.sites.services import clients
from portal.sites.services.registry import service_credential_check


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


def site_health(*, site: Site, connection: Connection | None = None) -> Health:
    credential = ServiceCredential.objects.filter(site=site).first()
    reachable = (site.capabilities or {}).get("reachable")
    credential_ok = None
    if credential is not None and credential.checked_at:
        credential_ok = not credential.last_error
    if connection is not None and connection.needs_reconnect:
        credential_ok = False
    recent_error = site.last_error_at and (
        not site.last_success_at or site.last_error_at > site.last_success_at
    )
    if reachable is False or credential_ok is False or recent_error:
        level = "error"
    elif reachable is None and credential_ok is None:
        level = "unknown"
    elif credential is None:
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
    )


def site_health_refresh(*, site: Site) -> None:
    """Probes the site with its service credential (or anonymously) and records the outcome."""
    credential = ServiceCredential.objects.filter(site=site).select_related("site").first()
    found = None
    if credential is not None:
        found = service_credential_check(credential=credential)
    if found is None:
        found = clients.client_anonymous(site).probe()
    capabilities = dict(site.capabilities or {})
    capabilities["reachable"] = found.reachable
    Site.objects.filter(pk=site.pk).update(capabilities=capabilities, health_checked_at=clock.now())
    problem = credential.last_error if credential is not None else ""
    if not found.reachable:
        problem = "; ".join(found.findings) or "The site cannot be reached."
    if problem:
        clients.site_failed(site, Exception(problem))
    else:
        clients.site_succeeded(site)
