"""Asking many sites at once: one page never waits for its sites one after another.

Each site's work runs in a shared pool; a site that takes longer than ``INBOX_SITE_TIMEOUT``
seconds, or is still queued when the page's ``INBOX_PAGE_BUDGET`` runs out, comes back as a
``SiteProblem`` and the page shows an error card in its place while the other sites render. Its
work is not abandoned: it finishes in the background and fills the site cache, so the next load
is quick.

The web server runs gevent workers (portal/ops/gunicorn_conf.py): there the pool's "threads" are
greenlets, ``INBOX_GREEN_WORKERS`` of them, so a page asks all its sites at once however many
sites and people there are, and a request waiting on a site holds no operating-system thread.
Elsewhere (Celery, tests, ``runserver``) they are threads, ``INBOX_WORKERS`` of them.

Every call to a site holds one of that site's slots (``INBOX_SITE_CONCURRENCY``), so no site gets
more than a few requests at once from one process however many people load pages, and passes
the site's circuit breaker (``portal.sites.services.circuit``): a site that stopped answering is
shown from its known error state without being asked, but for one probe now and then. Pages of
one site's lists go to a second pool, so a site's job never waits for a thread its own pages
need.

Workers open their own database connections; they close them when done (Django keeps one
connection per thread and would otherwise leak them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

from portal.sites.backends.errors import (
    InputRefused,
    NoPermission,
    NotFound,
    ReconnectNeeded,
    SiteError,
    TimedOut,
    Transient,
)
from portal.sites.models import Site
from portal.sites.services.circuit import (
    SiteUnavailable,
    circuit_check,
    circuit_failure,
    circuit_gate,
    circuit_probe_now,
    circuit_success,
)
from portal.sites.services.clients import NotConnected

T = TypeVar("T")
ProblemKind = Literal[
    "timeout", "unreachable", "reconnect", "not_connected", "refused", "missing", "input", "error"
]

_lock = threading.Lock()
_pools: dict[str, ThreadPoolExecutor] = {}
_slots: dict[int, threading.BoundedSemaphore] = {}


@dataclass(frozen=True)
class SiteProblem:
    """Why a site is missing from a page, in words for the person reading it."""

    kind: ProblemKind
    message: str

    @property
    def can_retry(self) -> bool:
        return self.kind in ("timeout", "unreachable", "error")


@dataclass(frozen=True)
class SiteOutcome(Generic[T]):
    site: Site
    value: T | None = None
    problem: SiteProblem | None = None
    seconds: float = 0.0


class SiteBusy(Transient):
    """Every slot of the site stayed taken for the whole wait."""


class SiteTimedOut(Transient):
    """The site did not answer within the page's budget; the call goes on in the background."""


def green() -> bool:
    """Whether this process runs under gevent's monkey-patching (the web server's workers)."""
    try:
        from gevent import monkey
    except ImportError:
        return False
    return monkey.is_module_patched("threading")


def _workers() -> int:
    return settings.INBOX_GREEN_WORKERS if green() else settings.INBOX_WORKERS


def _pool(name: str, size: int) -> ThreadPoolExecutor:
    with _lock:
        pool = _pools.get(name)
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"inbox-{name}")
            _pools[name] = pool
        return pool


@contextmanager
def site_slot(site_id: int, *, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold one of the site's call slots for the duration of one call to it."""
    with _lock:
        slot = _slots.get(site_id)
        if slot is None:
            slot = threading.BoundedSemaphore(settings.INBOX_SITE_CONCURRENCY)
            _slots[site_id] = slot
    timeout = settings.INBOX_PAGE_BUDGET if wait_seconds is None else wait_seconds
    if not slot.acquire(timeout=timeout):
        raise SiteBusy(_("The site is busy with other requests from the portal."))
    try:
        yield
    finally:
        slot.release()


class _SlotHttp:
    """The client's HTTP seam, holding one of the site's slots for each request, through the
    site's circuit breaker. Only silence counts against a site (a timeout): a refused connection
    or a proxy's 502 comes back at once, so asking again costs nothing and shows a recovery
    the moment it happens."""

    def __init__(self, http, site: Site) -> None:
        self._http = http
        self._site = site

    def request(self, *args, **kwargs):
        circuit_check(self._site.pk, site_name=self._site.name)
        try:
            with site_slot(self._site.pk):
                response = self._http.request(*args, **kwargs)
        except TimedOut as error:
            circuit_failure(self._site.pk, reason=error.message)
            raise
        circuit_success(self._site.pk)
        return response

    def __getattr__(self, name: str):
        return getattr(self._http, name)


def limit_http(http, site: Site):
    """The seam a site's backend sends through: every request holds one of the site's slots
    and passes its circuit (token refreshes, which go through the credential, are not counted:
    they are rare and single-flight anyway)."""
    return http if isinstance(http, _SlotHttp) else _SlotHttp(http, site)


def _closing_connections(work: Callable[[], T]) -> Callable[[], T]:
    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()  # this thread's connections only

    return run


def run_concurrently(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Several calls of one site's job at once (its list pages, its two queries), in order; the
    first error is raised after all have ended."""
    if len(calls) <= 1:
        return [call() for call in calls]
    size = _workers() * 2
    # All but the first go to the pool; the first runs here meanwhile (one hand-off fewer).
    futures = [_pool("pages", size).submit(_closing_connections(call)) for call in calls[1:]]
    try:
        first = calls[0]()
    finally:
        rest = [future.result() for future in futures] if futures else []
    return [first, *rest]


def problem_for(error: BaseException, site: Site) -> SiteProblem:
    """A failure as words naming the site (never a traceback, never a token)."""
    name = site.name
    if isinstance(error, NotConnected):
        return SiteProblem("not_connected", str(error))
    if isinstance(error, ReconnectNeeded):
        return SiteProblem(
            "reconnect", _("Reconnect your account on %(site)s to see its tasks.") % {"site": name}
        )
    if isinstance(error, NotFound):
        return SiteProblem(
            "missing",
            _("%(site)s has no such task (it may have been deleted).") % {"site": name},
        )
    if isinstance(error, NoPermission):
        return SiteProblem(
            "refused",
            _("%(site)s refused: %(message)s") % {"site": name, "message": error.message},
        )
    if isinstance(error, SiteUnavailable):
        return SiteProblem("unreachable", error.message)  # names the site and when it is asked
    if isinstance(error, SiteTimedOut):
        return SiteProblem("timeout", error.message)
    if isinstance(error, Transient):
        return SiteProblem(
            "unreachable",
            _("%(site)s could not be reached: %(message)s")
            % {"site": name, "message": error.message},
        )
    if isinstance(error, InputRefused):
        # Refused by the portal before anything was sent: the site said nothing.
        return SiteProblem("input", error.message)
    if isinstance(error, SiteError):
        return SiteProblem(
            "error", _("%(site)s answered: %(message)s") % {"site": name, "message": error.message}
        )
    return SiteProblem(
        "error",
        _("%(site)s could not be read (%(kind)s).") % {"site": name, "kind": type(error).__name__},
    )


def fan_out(
    sites: Sequence[Site],
    work: Callable[[Site], T],
    *,
    site_timeout: float | None = None,
    budget: float | None = None,
    probe: frozenset[int] = frozenset(),
) -> list[SiteOutcome[T]]:
    """``work(site)`` for every site at once; outcomes in the order of ``sites``. Failures become
    problems (see ``problem_for``); nothing a site does can fail the whole page."""
    site_timeout = settings.INBOX_SITE_TIMEOUT if site_timeout is None else site_timeout
    budget = settings.INBOX_PAGE_BUDGET if budget is None else budget
    began = time.monotonic()
    started: dict[int, float] = {}
    finished: dict[int, float] = {}

    def job(site: Site) -> Callable[[], T]:
        def run() -> T:
            started[site.pk] = time.monotonic()
            try:
                return work(site)
            finally:
                finished[site.pk] = time.monotonic()

        return _closing_connections(run)

    pool = _pool("sites", _workers())
    outcomes_now: dict[int, SiteOutcome[T]] = {}
    asked = []
    for site in sites:
        if site.pk in probe:
            circuit_probe_now(site.pk)
        try:
            circuit_gate(site.pk, site_name=site.name)
        except SiteUnavailable as down:
            # Known to be down: its card at once, no worker tied up waiting for it.
            outcomes_now[site.pk] = SiteOutcome(site=site, problem=problem_for(down, site))
        else:
            asked.append(site)
    futures: dict[Future, Site] = {pool.submit(job(site)): site for site in asked}
    late: set[Future] = set()
    pending = set(futures)
    while pending:
        now = time.monotonic()
        deadlines = {}
        for future in pending:
            site_started = started.get(futures[future].pk)
            own = site_started + site_timeout if site_started is not None else float("inf")
            deadlines[future] = min(own, began + budget)
        expired = {f for f, deadline in deadlines.items() if deadline <= now}
        for future in expired:
            future.cancel()  # a job still queued never starts; a running one ends on its own
        late |= expired
        pending -= expired
        if not pending:
            break
        soonest = min(deadlines[f] for f in pending)
        _done, pending = wait(pending, timeout=max(0.0, soonest - now), return_when=FIRST_COMPLETED)

    for future, site in futures.items():
        seconds = finished.get(site.pk, time.monotonic()) - started.get(site.pk, began)
        if future in late:
            problem = SiteProblem(
                "timeout",
                _("%(site)s did not answer within %(seconds)s seconds.")
                % {"site": site.name, "seconds": f"{site_timeout:g}"},
            )
            if site.pk in started:  # asked and silent; a job still queued is the portal's wait
                circuit_failure(site.pk, reason=f"no answer within {site_timeout:g} s")
            outcomes_now[site.pk] = SiteOutcome(site=site, problem=problem, seconds=seconds)
            continue
        error = future.exception()
        if error is not None:
            outcomes_now[site.pk] = SiteOutcome(
                site=site, problem=problem_for(error, site), seconds=seconds
            )
        else:
            outcomes_now[site.pk] = SiteOutcome(site=site, value=future.result(), seconds=seconds)
    return [outcomes_now[site.pk] for site in sites]


def within_budget(site: Site, read: Callable[[], T], *, budget: float | None = None) -> T:
    """One site's read for a page, never waited on longer than the page budget (the client's
    own read timeout is longer: it also bounds writes, which must not be cut short)."""
    budget = settings.INBOX_PAGE_BUDGET if budget is None else budget
    circuit_gate(site.pk, site_name=site.name)
    future = _pool("sites", _workers()).submit(_closing_connections(read))
    done, _pending = wait([future], timeout=budget)
    if not done:
        circuit_failure(site.pk, reason=f"no answer within {budget:g} s")
        raise SiteTimedOut(
            _("%(site)s did not answer within %(seconds)s seconds.")
            % {"site": site.name, "seconds": f"{budget:g}"},
            site=site.name,
        )
    return future.result()
