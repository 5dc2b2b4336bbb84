"""Builds a site's backend for a credential, and books the outcome of using it.

Views, scans and jobs never assemble credentials themselves: they ask here for the backend of a
user's connection, of the site's service credential, or an anonymous one for the doctor. The
backend kind stored on the site picks the class (``backends.backend_class``); each class turns
the stored secrets into its own credential.
"""

from __future__ import annotations

from portal import clock
from portal.sites.backends import backend_class
from portal.sites.backends.base import SiteSettings, TaskBackend
from portal.sites.backends.errors import ReconnectNeeded, SiteError
from portal.sites.backends.types import Vocabulary
from portal.sites.models import Connection, ServiceCredential, Site
from portal.sites.outgoing import http_from_settings
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


# Frappe sites only: the Frappe client behind a site's backend, for tests and benchmarks that
# speak Frappe to a site directly. The portal itself goes through the backends.


def client_for_connection(connection: Connection):
    return backend_for_connection(connection).client


def client_for_service(site: Site):
    return backend_for_service(site).client


def client_anonymous(site: Site):
    return backend_anonymous(site).client


def site_settings(site: Site) -> SiteSettings:
    options = dict(site.config or {})
    options.update(
        {
            "flavour": site.flavour or None,
            "client_id": site.client_id,
            "organisation": site.organisation,
        }
    )
    return SiteSettings(
        name=site.name,
        base_url=site.base_url,
        time_zone=site.time_zone or "UTC",
        options=options,
        vocabulary=_vocabulary(site),
    )


def _backend(site: Site, credential, *, http=None, run_all=None) -> TaskBackend:
    cls = backend_class(site.backend)
    extra = {"run_all": run_all} if run_all is not None else {}
    return cls.open(
        site_settings(site), credential, http=http or http_from_settings(), clock=clock.now, **extra
    )


def _person_credential(connection: Connection, *, store=None, http=None):
    site = connection.site
    return backend_class(site.backend).person_credential(
        store=store or ConnectionTokenStore(connection.pk),
        site=site_settings(site),
        http=http or http_from_settings(),
    )


def sites_with_service_key(site_ids) -> set[int]:
    """Which of these sites have an API key or token of their own for scheduled jobs (one
    query for a page's sites, so no worker thread needs the database to know)."""
    return set(
        ServiceCredential.objects.filter(site_id__in=list(site_ids))
        .exclude(kind=ServiceCredential.Kind.CONNECTION)
        .values_list("site_id", flat=True)
    )


def backend_for_connection(
    connection: Connection, *, store=None, http=None, run_all=None, has_service_key=None
):
    """The site as this person's connection sees it (``store``: where their token is read).
    Where the site has a service key of its own, the backend may learn people's names through
    it; ``has_service_key`` says so when the caller already knows (else it is looked up)."""
    if connection.needs_reconnect:
        raise NotConnected(connection.site, "Reconnect your account on this site.")
    credential = _person_credential(connection, store=store, http=http)
    backend = _backend(connection.site, credential, http=http, run_all=run_all)
    site = connection.site
    if has_service_key is None:
        has_service_key = site.pk in sites_with_service_key([site.pk])
    if has_service_key:

        def service_backend() -> TaskBackend | None:
            try:
                return backend_for_service(site, http=http)
            except NotConnected:
                return None

        backend.people_from(service_backend)
    return backend


def backend_for_service(site: Site, *, http=None, run_all=None) -> TaskBackend:
    """The scheduled jobs' backend: the site's API key or token, or the connection an admin
    designated."""
    credential = ServiceCredential.objects.filter(site=site).select_related("connection").first()
    if credential is None:
        raise NotConnected(site, "This site has no service credential for scheduled jobs.")
    if credential.kind == ServiceCredential.Kind.CONNECTION:
        if credential.connection is None:
            raise NotConnected(site, "The connection chosen for scheduled jobs was removed.")
        return backend_for_connection(credential.connection, http=http, run_all=run_all)
    values = {"api_key": credential.api_key, "api_secret": credential.api_secret}
    secret = backend_class(site.backend).service_credential(credential.kind, values)
    return _backend(site, secret, http=http, run_all=run_all)


def site_task_url(site: Site, task_id: str) -> str:
    """The task on its own site (a link needs no credential and no request)."""
    return backend_class(site.backend).task_link(site_settings(site), task_id)


def statuses_refused(site: Site, task, now) -> frozenset:
    """Portal statuses this site will not take for the task, known before trying."""
    return backend_class(site.backend).statuses_refused(site_settings(site), task, now)


def refused_on_save(site: Site, *, due, now) -> frozenset:
    """The same for a save with this due date (forms say so before sending)."""
    return backend_class(site.backend).refused_on_save(site_settings(site), due=due, now=now)


def backend_class_label(site: Site) -> str:
    """The CRM's name, for people."""
    return backend_class(site.backend).label


def site_features(site: Site):
    """What this kind of site can do (start dates, a cancelled status, task types...)."""
    return backend_class(site.backend).features


def backend_anonymous(site: Site, *, http=None) -> TaskBackend:
    return _backend(site, None, http=http)


def connection_failed(connection: Connection, error: SiteError) -> None:
    """A refused token means a person must reconnect; pages then say so instead of failing."""
    if isinstance(error, ReconnectNeeded):
        Connection.objects.filter(pk=connection.pk).update(
            status=Connection.Status.RECONNECT, last_error=error.message
        )
        connection.status = Connection.Status.RECONNECT
        connection.last_error = error.message


def site_succeeded(site: Site) -> None:
    Site.objects.filter(pk=site.pk).update(last_success_at=clock.now())


def site_failed(site: Site, error: SiteError | Exception) -> None:
    message = getattr(error, "message", None) or str(error)
    Site.objects.filter(pk=site.pk).update(last_error=message[:2000], last_error_at=clock.now())


def connection_used(connection: Connection) -> None:
    Connection.objects.filter(pk=connection.pk).update(last_used_at=clock.now())


__all__ = [
    "NotConnected",
    "backend_anonymous",
    "backend_for_connection",
    "backend_for_service",
    "client_anonymous",
    "client_for_connection",
    "client_for_service",
    "connection_failed",
    "connection_used",
    "site_failed",
    "refused_on_save",
    "site_features",
    "site_settings",
    "statuses_refused",
    "site_task_url",
    "site_succeeded",
]
