"""Builds a FrappeClient for a site and a credential, and books the outcome of using it.

Views, scans and jobs never assemble credentials themselves: they ask here for the client of a
user's connection, of the site's service credential, or an anonymous one for the doctor.
"""

from __future__ import annotations

from portal import clock
from portal.sites.frappe import (
    ApiKeyAuth,
    FrappeClient,
    FrappeError,
    OAuthBearer,
    ReconnectNeeded,
    Vocabulary,
)
from portal.sites.frappe.config import http_from_settings
from portal.sites.models import Connection, ServiceCredential, Site
from portal.sites.services.token_store import ConnectionTokenStore


class NotConnected(Exception):
    """The user has no usable connection to the site (none, or it needs reconnecting)."""

    def __init__(self, site: Site, message: str) -> None:
        self.site = site
        super().__init__(message)


def _vocabulary(site: Site) -> Vocabulary | None:
    vocabulary = site.vocabulary
    if not vocabulary:
        return None
    return Vocabulary(
        statuses=tuple(vocabulary.get("statuses", ())),
        priorities=tuple(vocabulary.get("priorities", ())),
        task_types=tuple(vocabulary.get("task_types", ())),
    )


def _client(site: Site, auth) -> FrappeClient:
    return FrappeClient(
        site.base_url,
        auth,
        time_zone=site.time_zone or "UTC",
        flavour=site.flavour or None,
        http=http_from_settings(),
        site_label=site.name,
        vocabulary=_vocabulary(site),
        clock=clock.now,
    )


def oauth_bearer(connection: Connection) -> OAuthBearer:
    return OAuthBearer(
        store=ConnectionTokenStore(connection.pk),
        site_base=connection.site.base_url,
        client_id=connection.site.client_id,
        http=http_from_settings(),
        site=connection.site.name,
    )


def client_for_connection(connection: Connection) -> FrappeClient:
    if connection.needs_reconnect:
        raise NotConnected(connection.site, "Reconnect your account on this site.")
    return _client(connection.site, oauth_bearer(connection))


def client_for_user(*, user, site: Site) -> tuple[FrappeClient, Connection]:
    connection = Connection.objects.filter(user=user, site=site).select_related("site").first()
    if connection is None:
        raise NotConnected(site, "Connect your account on this site first.")
    return client_for_connection(connection), connection


def client_for_service(site: Site) -> FrappeClient:
    """The scheduled jobs' client: the site's API key, or the connection an admin designated."""
    credential = ServiceCredential.objects.filter(site=site).select_related("connection").first()
    if credential is None:
        raise NotConnected(site, "This site has no service credential for scheduled jobs.")
    if credential.kind == ServiceCredential.Kind.API_KEY:
        return _client(site, ApiKeyAuth(credential.api_key, credential.api_secret))
    if credential.connection is None:
        raise NotConnected(site, "The connection chosen for scheduled jobs was removed.")
    return client_for_connection(credential.connection)


def client_anonymous(site: Site) -> FrappeClient:
    return _client(site, None)


def connection_failed(connection: Connection, error: FrappeError) -> None:
    """A refused token means a person must reconnect; pages then say so instead of failing."""
    if isinstance(error, ReconnectNeeded):
        Connection.objects.filter(pk=connection.pk).update(
            status=Connection.Status.RECONNECT, last_error=error.message
        )
        connection.status = Connection.Status.RECONNECT
        connection.last_error = error.message


def site_succeeded(site: Site) -> None:
    Site.objects.filter(pk=site.pk).update(last_success_at=clock.now())


def site_failed(site: Site, error: FrappeError | Exception) -> None:
    message = getattr(error, "message", None) or str(error)
    Site.objects.filter(pk=site.pk).update(last_error=message[:2000], last_error_at=clock.now())


def connection_used(connection: Connection) -> None:
    Connection.objects.filter(pk=connection.pk).update(last_used_at=clock.now())


__all__ = [
    "NotConnected",
    "client_anonymous",
    "client_for_connection",
    "client_for_service",
    "client_for_user",
    "connection_failed",
    "connection_used",
    "site_failed",
    "site_succeeded",
]
