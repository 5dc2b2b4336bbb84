"""What Apprise's plugins send and get back, seen from underneath them.

An Apprise plugin's ``notify()`` answers only True or False: the HTTP status, a Retry-After, and
whether a failure came before or after the request went out are in its log lines, worded per
plugin. Every HTTP plugin sends through ``requests`` (``requests.post`` and friends end in
``requests.Session.send``), so this module wraps that one method, once, and the wrapper only acts
inside ``observed()``: a context variable marks the sends of the current thread or greenlet, and
every other request of the process passes through untouched.

Inside ``observed()`` each request a plugin makes:
- is checked against the notifications' address policy on its resolved addresses, and sent
  through a session whose sockets check their actual peer (``portal.http.guarded_session``);
- gets the notifications' timeout, no redirects and certificate checks, whatever the plugin or
  the URL's ``cto``/``rto``/``verify`` parameters asked;
- has its answer read up to a bound and recorded (status, headers, a bounded text), or its
  failure classified as the webhook channel classifies it: nothing went out (refused, DNS, connect
  timeout) or the request went out and its answer was lost (read timeout, reset).

Nothing here logs, and no error text holds a URL: Apprise URLs carry tokens in the host, the
path or the user part.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import NoReturn

import requests
from django.conf import settings

from portal.http import PeerRefused, guarded_session
from portal.notifications.channels import TransportError
from portal.notifications.channels import http as outbound
from portal.sites.backends.errors import SiteError

# Enough for a message to several targets; more means a plugin is looping.
MAX_REQUESTS = 10


@dataclass
class Exchange:
    """One request a plugin made: its answer, or why there was none."""

    host: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    error: TransportError | None = None

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Observer:
    exchanges: list[Exchange] = field(default_factory=list)

    def send(self, request: requests.PreparedRequest, kwargs: dict) -> requests.Response:
        url = request.url or ""
        host = outbound.host_of(url)
        exchange = Exchange(host=host)
        self.exchanges.append(exchange)
        if len(self.exchanges) > MAX_REQUESTS:
            self._refuse(exchange, f"{host}: more than {MAX_REQUESTS} requests for one message.",
                         permanent=True)  # fmt: skip
        try:
            outbound.policy().check_url(url)
        except SiteError as exc:
            message = exc.message.replace("This portal only talks to sites", "Only receivers")
            self._refuse(exchange, f"{host}: {message}", permanent=exc.permanent)
        timeout = settings.NOTIFY_HTTP_TIMEOUT
        kwargs = {**kwargs, "timeout": (min(timeout, 5.0), timeout), "allow_redirects": False,
                  "stream": True, "verify": True}  # fmt: skip
        session = guarded_session(outbound.policy())
        try:
            response = _original_send(session, request, **kwargs)
        except PeerRefused as exc:
            exchange.error = TransportError(
                f"{host}: refused by the address policy ({exc}).", permanent=True
            )
            raise requests.exceptions.ConnectionError("refused by the address policy") from None
        except requests.exceptions.RequestException as exc:
            exchange.error = _classify(exc, host=host, timeout=timeout)
            raise
        finally:
            session.close()
        try:
            raw = response.raw.read(outbound.MAX_ANSWER_BYTES, decode_content=True) or b""
        except (requests.exceptions.RequestException, OSError):
            raw = b""
        response._content = raw  # what .content, .text and .json() read
        response._content_consumed = True
        response.close()
        exchange.status = response.status_code
        exchange.headers = {k.lower(): v for k, v in response.headers.items()}
        exchange.text = raw.decode("utf-8", errors="replace")
        return response

    @staticmethod
    def _refuse(exchange: Exchange, message: str, *, permanent: bool) -> NoReturn:
        exchange.error = TransportError(message, permanent=permanent)
        # A requests error: the plugin catches it, reports False, and sends nothing.
        raise requests.exceptions.ConnectionError("refused before sending")


def _classify(exc: requests.exceptions.RequestException, *, host: str, timeout: float):
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return TransportError(f"{host}: the connection timed out.")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        # The request went out; the service may have acted on it.
        return TransportError(f"{host}: no answer within {timeout:g} s.", maybe_delivered=True)
    if isinstance(exc, requests.exceptions.SSLError):
        return TransportError(f"{host}: TLS failed ({type(exc).__name__}).", permanent=True)
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = outbound._reason(exc)
        if outbound._never_connected(exc):
            return TransportError(f"{host}: could not connect ({reason}).")
        return TransportError(
            f"{host}: the connection broke before an answer ({reason}).", maybe_delivered=True
        )
    return TransportError(f"{host}: request failed ({type(exc).__name__}).")


_current: ContextVar[Observer | None] = ContextVar("apprise_observer", default=None)
_original_send = requests.Session.send


def _observed_send(self: requests.Session, request: requests.PreparedRequest, **kwargs):
    observer = _current.get()
    if observer is None:
        return _original_send(self, request, **kwargs)
    return observer.send(request, kwargs)


_observed_send.portal_observed = True  # type: ignore[attr-defined]
if not getattr(requests.Session.send, "portal_observed", False):
    requests.Session.send = _observed_send  # type: ignore[method-assign]


@contextlib.contextmanager
def observed() -> Iterator[Observer]:
    """Every request the current thread makes inside the block is guarded and recorded."""
    observer = Observer()
    token = _current.set(observer)
    try:
        yield observer
    finally:
        _current.reset(token)
