"""The sites a person's pages read from, each with their own connection and backend."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from portal import clock
from portal.sites.access import site_list_for_user
from portal.sites.backends.base import TaskBackend
from portal.sites.backends.errors import ServerError, SiteError, Transient
from portal.sites.backends.types import Task, Vocabulary
from portal.sites.models import Connection, Site, SiteUser
from portal.sites.outgoing import http_from_settings
from portal.sites.services.clients import (
    backend_for_connection,
    connection_failed,
    connection_used,
    site_failed,
    site_succeeded,
    sites_with_service_key,
)
from portal.sites.services.people import site_user_seen
from portal.sites.services.token_store import ConnectionTokenStore
from portal.tasks_ui.fanout import SiteOutcome, SiteProblem, fan_out, limit_http, run_concurrently
from portal.tasks_ui.selectors.rows import Row, people_of

T = TypeVar("T")


@dataclass(frozen=True)
class Source:
    """One site as one person sees it: their connection, and whether they may change tasks."""

    site: Site
    connection: Connection
    has_service_key: bool | None = None  # None: not known yet (looked up when needed)

    @property
    def site_user_id(self) -> str:
        return self.connection.site_user_id

    @property
    def can_write(self) -> bool:
        return self.connection.can_write is not False

    @property
    def read_only_reason(self) -> str:
        return read_only_reason(self.connection)


def read_only_reason(connection: Connection | None) -> str:
    """Why tasks show read-only, or "" when the account may change them (or nobody knows yet:
    the first refused write tells, and is remembered)."""
    if connection is None or connection.can_write is not False:
        return ""
    return _(
        "Read only: your account %(user)s on %(site)s may read tasks but not change them. "
        "The site refused a change (the account has no CRM role there)."
    ) % {"user": connection.site_user_id, "site": connection.site.name}


def sources_for_user(
    *, user: User, site_ids: Iterable[int] | None = None
) -> tuple[list[Source], list[SiteOutcome]]:
    """The user's visible sites with a usable connection, and an outcome carrying a problem for
    each visible site without one (not connected, reconnect needed)."""
    sites = site_list_for_user(user=user)
    if site_ids is not None:
        sites = sites.filter(pk__in=list(site_ids))
    sites = list(sites.order_by("name"))
    connections = {c.site_id: c for c in Connection.objects.filter(user=user, site__in=sites)}
    service_keys = sites_with_service_key(site.pk for site in sites)
    sources: list[Source] = []
    missing: list[SiteOutcome] = []
    for site in sites:
        connection = connections.get(site.pk)
        if connection is None:
            message = _("Connect your account on %(site)s to see its tasks.") % {"site": site.name}
            missing.append(SiteOutcome(site=site, problem=SiteProblem("not_connected", message)))
        elif connection.needs_reconnect:
            message = _("Reconnect your account on %(site)s to see its tasks.") % {
                "site": site.name
            }
            missing.append(SiteOutcome(site=site, problem=SiteProblem("reconnect", message)))
        else:
            connection.site = site
            sources.append(
                Source(site=site, connection=connection, has_service_key=site.pk in service_keys)
            )
    return sources, missing


class _LoadedTokenStore(ConnectionTokenStore):
    """The connection's token as this request already read it: a worker thread's first call
    needs no query (and no database connection of its own). Later loads (after a 401, for a
    refresh) read the database as usual."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection.pk)
        self._loaded = connection.token

    def load(self):
        if self._loaded is not None:
            token, self._loaded = self._loaded, None
            return token
        return super().load()


def source_backend(source: Source) -> TaskBackend:
    """The site as this person sees it, every request through the site's slots and circuit,
    a site's several calls run concurrently."""
    return backend_for_connection(
        source.connection,
        store=_LoadedTokenStore(source.connection),
        http=limit_http(http_from_settings(), source.site),
        run_all=run_concurrently,
        has_service_key=source.has_service_key,
    )


def vocabulary_for(source: Source) -> Vocabulary:
    """The site's statuses, priorities and task types (stored by the doctor, else read)."""
    return site_call(source, lambda backend: backend.vocabulary())


def site_call(source: Source, read: Callable[[TaskBackend], T]) -> T:
    """One site's work with the bookkeeping of a site call: a refused token marks the
    connection "reconnect needed"; the site's health records a success or a site failure."""
    try:
        value = read(source_backend(source))
    except SiteError as error:
        connection_failed(source.connection, error)
        if isinstance(error, Transient | ServerError):
            site_failed(source.site, error)
        raise
    _book_success(source)
    return value


# Health and "last used" are for people reading the sites page: a minute's precision is plenty,
# and a write per site on every page load would cost more than the reads it records.
BOOKKEEPING_EVERY = timedelta(seconds=60)


def _book_success(source: Source) -> None:
    now = clock.now()
    site, connection = source.site, source.connection
    if site.last_success_at is None or now - site.last_success_at > BOOKKEEPING_EVERY:
        site_succeeded(site)
        site.last_success_at = now
    if connection.last_used_at is None or now - connection.last_used_at > BOOKKEEPING_EVERY:
        connection_used(connection)
        connection.last_used_at = now


def read_sites(
    sources: list[Source],
    read: Callable[[Source, TaskBackend], T],
    *,
    probe: frozenset[int] = frozenset(),
) -> list[SiteOutcome[T]]:
    """``read(source, backend)`` for every source at once (see ``fanout.fan_out``); sites in
    ``probe`` are asked even if their circuit is open (a person pressed "try again")."""
    by_site = {source.site.pk: source for source in sources}

    def work(site: Site) -> T:
        source = by_site[site.pk]
        return site_call(source, lambda backend: read(source, backend))

    return fan_out([source.site for source in sources], work, probe=probe)


@dataclass
class SitesAnswered(Generic[T]):
    """What a page's sites answered: each answering site's source and value, in the sites'
    order; an outcome with its problem for each site that did not (error cards); and the names
    of the people of every site asked (``names_by_site``)."""

    answers: list[tuple[Source, T]]
    problems: list[SiteOutcome]
    names: dict[int, dict[str, str]]
    sources: dict[int, Source]  # every site asked, by id


def read_user_sites(
    user: User,
    read: Callable[[Source, TaskBackend], T],
    *,
    site_ids: Iterable[int] | None = None,
    probe: frozenset[int] = frozenset(),
) -> SitesAnswered[T]:
    """``read`` on every site of the user's (or those of ``site_ids`` among them) at once."""
    sources, problems = sources_for_user(user=user, site_ids=site_ids)
    by_site = {source.site.pk: source for source in sources}
    answers: list[tuple[Source, T]] = []
    for outcome in read_sites(sources, read, probe=probe):
        if outcome.problem is not None:
            problems.append(outcome)
        else:
            answers.append((by_site[outcome.site.pk], outcome.value))  # type: ignore[arg-type]
    problems.sort(key=lambda o: o.site.name.lower())
    names = names_by_site(source.site.pk for source in sources)
    return SitesAnswered(answers=answers, problems=problems, names=names, sources=by_site)


def names_by_site(site_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Full names of the site users the portal knows, by site, keyed by user id and email."""
    return people_known(site_ids, learn=())[0]


def people_known(
    site_ids: Iterable[int], *, learn: Iterable[tuple[Site, Iterable[Task]]]
) -> tuple[dict[int, dict[str, str]], int]:
    """Names by site (as ``names_by_site``), after recording assignees of ``learn`` the portal
    had not seen: the assignment picker offers them next time. One query for every site; a
    write only for a person seen for the first time. Returns the names and how many people
    were new."""
    names: dict[int, dict[str, str]] = {}
    known: dict[tuple[int, str], bool] = {}  # (site, user id) -> the portal has their name
    people = SiteUser.objects.filter(site_id__in=list(site_ids)).only(
        "site_id", "user_id", "email", "full_name"
    )
    for person in people:
        known[(person.site_id, person.user_id)] = bool(person.full_name)
        by_id = names.setdefault(person.site_id, {})
        if person.full_name:
            by_id[person.user_id.lower()] = person.full_name
            if person.email:
                by_id[person.email.lower()] = person.full_name
    new = 0
    for site, tasks in learn:
        for task in tasks:
            for assignee in task.assignees:
                user_id = assignee.user_id or assignee.email
                if not user_id:
                    continue
                # A person first seen in a list that names people by email only gets their
                # name from the first answer that has it, so every page then shows the name.
                named = known.get((site.pk, user_id))
                if named or (named is not None and not assignee.full_name):
                    continue
                site_user_seen(
                    site=site,
                    user_id=user_id,
                    email=assignee.email or "",
                    full_name=assignee.full_name or "",
                )
                known[(site.pk, user_id)] = bool(assignee.full_name)
                new += named is None
                if assignee.full_name:
                    by_id = names.setdefault(site.pk, {})
                    by_id[user_id.lower()] = assignee.full_name
                    if assignee.email:
                        by_id[assignee.email.lower()] = assignee.full_name
    return names, new


def people_of_site(site_id: int) -> list[SiteUser]:
    """Site users the portal knows (connections, assignees seen): the assignment picker."""
    return list(SiteUser.objects.filter(site_id=site_id).order_by("full_name", "user_id")[:300])


def source_row(source: Source, task: Task, *, bucket: str | None, names: dict[str, str]) -> Row:
    """A task of this source as a page's row, its people named as the rest of the page names
    them (``names``: this site's, from ``names_by_site``)."""
    return Row(
        site_id=source.site.pk,
        site_name=source.site.name,
        task=task,
        bucket=bucket,  # type: ignore[arg-type]
        people=people_of(task, names),
        can_write=source.can_write,
        read_only_reason=source.read_only_reason,
    )
