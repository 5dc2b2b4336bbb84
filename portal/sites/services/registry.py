"""Adding, changing, disabling and removing sites, and their service credentials."""

from __future__ import annotations

from django.db import transaction

from portal import clock
from portal.sites.audit import audit_record
from portal.sites.backends import backend_class
from portal.sites.backends.errors import SiteError
from portal.sites.backends.types import Capabilities
from portal.sites.models import Connection, ServiceCredential, Site
from portal.sites.outgoing import http_from_settings
from portal.sites.services import clients
from portal.sites.services.doctor import doctor_run


def site_doctor(*, site: Site) -> None:
    """Runs the doctor with the best credential at hand: the service credential, else none."""
    try:
        backend = clients.backend_for_service(site)
        with_credential = True
    except clients.NotConnected:
        backend, with_credential = clients.backend_anonymous(site), False
    doctor_run(site=site, backend=backend, with_credential=with_credential)


def site_save(
    *, site: Site, user, created: bool, service_api_key: str = "", service_api_secret: str = "",
    service_token: str = "",
) -> Site:  # fmt: skip
    """Saves the site (and an API-key service credential when given), then runs the doctor
    with the best credential at hand."""
    site.save()
    audit_record(
        user=user,
        site=site,
        action="site_add" if created else "site_edit",
        changes={"base_url": site.base_url, "client_id": site.client_id, "active": site.is_active},
    )
    if service_api_key:
        service_credential_set(
            site=site,
            user=user,
            kind=ServiceCredential.Kind.API_KEY,
            api_key=service_api_key,
            api_secret=service_api_secret,
        )
    if service_token:
        service_credential_set(
            site=site, user=user, kind=ServiceCredential.Kind.TOKEN, api_secret=service_token
        )
    site_doctor(site=site)
    return site


def site_set_active(*, site: Site, user, active: bool) -> None:
    site.is_active = active
    site.save(update_fields=["is_active", "updated_at"])
    audit_record(user=user, site=site, action="site_enable" if active else "site_disable")


def site_remove(*, site: Site, user) -> list[str]:
    """Revokes every connection's refresh token at the site, then deletes the site and all it
    holds here. Returns warnings for tokens the site could not be told about."""
    warnings = []
    http = http_from_settings()
    backend, settings = backend_class(site.backend), clients.site_settings(site)
    for connection in Connection.objects.filter(site=site):
        if not connection.token:
            continue
        try:
            backend.person_token_revoke(settings, connection.token, http=http)
        except SiteError as exc:
            warnings.append(f"{connection.user}: {exc.message}")
    name = site.name
    with transaction.atomic():
        audit_record(
            user=user,
            site=None,
            action="site_remove",
            changes={"site": name},
            ok=not warnings,
            error="; ".join(warnings),
        )
        site.delete()
    return warnings


def service_credential_set(
    *, site: Site, user, kind: str, api_key: str = "", api_secret: str = "",
    connection: Connection | None = None,
) -> ServiceCredential:  # fmt: skip
    """Saves the jobs' credential and checks it at once (valid, CRM role)."""
    credential, _ = ServiceCredential.objects.get_or_create(site=site, defaults={"kind": kind})
    credential.kind = kind
    if kind == ServiceCredential.Kind.API_KEY:
        credential.api_key = api_key.strip()
        if api_secret:
            credential.api_secret = api_secret.strip()
        credential.connection = None
    elif kind == ServiceCredential.Kind.TOKEN:
        # A personal access token: secret as a whole, kept encrypted in ``api_secret``.
        credential.api_key = ""
        if api_secret:
            credential.api_secret = api_secret.strip()
        credential.connection = None
    else:
        credential.connection = connection
        credential.api_key, credential.api_secret = "", ""
    credential.save()
    audit_record(
        user=user,
        site=site,
        action="service_credential",
        changes={"kind": kind, "api_key": credential.api_key},
        credential=kind,
    )
    service_credential_check(credential=credential)
    return credential


def service_credential_check(*, credential: ServiceCredential) -> Capabilities | None:
    """Probes the site with the jobs' credential and books valid / CRM role / last error."""
    try:
        found = clients.backend_for_service(credential.site).probe()
    except clients.NotConnected as exc:
        credential_record(credential=credential, found=None, error=str(exc))
        return None
    credential_record(credential=credential, found=found)
    return found


def credential_record(
    *, credential: ServiceCredential, found: Capabilities | None, error: str = ""
) -> None:
    now = clock.now()
    credential.checked_at = now
    if found is not None:
        credential.site_user_id = found.user_id or credential.site_user_id
        credential.has_crm_role = found.can_read_list
        if not found.credential_valid:
            error = "; ".join(found.findings) or "The credential was refused."
        elif found.can_read_list is False:
            error = (
                "This account has no CRM role (Sales User or Sales Manager): scheduled jobs "
                "cannot list overdue tasks. Give the user a CRM role on the site."
            )
    if error:
        credential.last_error, credential.last_error_at = error[:2000], now
    else:
        credential.last_error, credential.last_success_at = "", now
    credential.save()
