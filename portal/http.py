"""The one outgoing-HTTP seam: every request the portal sends to a site of any backend, and the
notification channels' webhooks (``guarded_session``), goes through here.

It owns connection pooling, timeouts, the User-Agent, a bound on answer sizes and the address
policy (sites may live on a private network; loopback only in development and tests). The
policy is checked twice: on the resolved addresses before sending (a clear error, no connection
made) and on the socket's actual peer at connect time, so a DNS answer that changes between the two
(rebinding) cannot reach a refused address. Tests replace the transport (``adapter=``) and count
requests here (``requests_sent``).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from portal.sites.backends.errors import AddressRefused, SiteError, TimedOut, Transient

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 20 * 1024 * 1024
DEFAULT_USER_AGENT = "crm-portal/1"
_TLS_REJECTED = "The site's TLS certificate was rejected"
_TOO_LARGE = "The site's answer is too large."
_REDIRECTS = {301, 302, 303, 307, 308}
_MAX_REDIRECTS = 3
# Cloud metadata services that do not sit in 169.254.0.0/16 or fe80::/10.
_METADATA = [
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS over IPv6
]

Resolver = Callable[..., list[Any]]
# Told of every request: the site's label, what it came to ("2xx".."5xx", or "timeout",
# "connect", "refused", "tls", "too_large", "error") and the seconds it took.
Observer = Callable[[str | None, str, float], None]


@dataclass(frozen=True)
class AddressPolicy:
    allow_private: bool = True
    allow_loopback: bool = False
    allow_insecure_http: bool = False

    def refusal(self, address: str) -> str | None:
        """Why this IP address may not be contacted, or None when it may."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"{address} is not an IP address"
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if ip.is_link_local or any(ip in net for net in _METADATA):
            return f"{ip} is a link-local or cloud metadata address"
        if ip.is_loopback or ip.is_unspecified:  # 0.0.0.0 reaches this host on Linux
            return None if self.allow_loopback else f"{ip} is a loopback address"
        if ip.is_multicast or ip.is_reserved:  # checked after loopback: ::1 is "reserved"
            return f"{ip} is not a unicast address"
        if not ip.is_global:
            return None if self.allow_private else f"{ip} is a private network address"
        return None

    def check_url(self, url: str, *, resolve: Resolver = socket.getaddrinfo) -> None:
        """Raise AddressRefused unless the URL's scheme and every address it resolves to pass."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise AddressRefused(f"Only http and https URLs are allowed, not {scheme or 'none'}.")
        if scheme == "http" and not self.allow_insecure_http:
            raise AddressRefused("This portal only talks to sites over https.")
        if parts.username or parts.password:
            raise AddressRefused("Site URLs may not carry a user name or password.")
        host = parts.hostname
        if not host:
            raise AddressRefused("The URL has no host.")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
            infos = resolve(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, ValueError) as exc:
            raise Transient(f"Could not resolve {host}: {exc}") from exc
        addresses = {info[4][0] for info in infos}
        if not addresses:
            raise Transient(f"Could not resolve {host}.")
        for address in sorted(addresses):
            reason = self.refusal(address)
            if reason:
                raise AddressRefused(f"{host} refused: {reason}.")


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class PeerRefused(Exception):
    """The socket connected to an address the policy refuses (raised before any byte is sent)."""


def _guarded_pools(policy: AddressPolicy) -> dict[str, type]:
    """Pool classes whose connections check the peer they actually connected to."""

    def check(sock: socket.socket) -> socket.socket:
        reason = policy.refusal(sock.getpeername()[0])
        if reason:
            sock.close()
            raise PeerRefused(reason)
        return sock

    class GuardedHTTP(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return check(super()._new_conn())

    class GuardedHTTPS(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return check(super()._new_conn())

    class HTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTP

    class HTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPS

    return {"http": HTTPPool, "https": HTTPSPool}


# Connection pools kept, one per site (host and port): a page of 200 sites evicting pools from
# a smaller set would open every connection afresh on each load. Idle pools cost a few objects.
SITE_POOLS = 1024


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, *, policy: AddressPolicy, pool_maxsize: int) -> None:
        self._policy = policy
        super().__init__(pool_connections=SITE_POOLS, pool_maxsize=pool_maxsize, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _guarded_pools(self._policy)


def guarded_session(policy: AddressPolicy, *, pool_maxsize: int = 4) -> requests.Session:
    """A requests session whose connections check their actual peer against ``policy`` (for
    other outgoing HTTP, such as notification webhooks). A refusal raises ``PeerRefused``."""
    session = requests.Session()
    adapter = _GuardedAdapter(policy=policy, pool_maxsize=pool_maxsize)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class Http:
    """Pooled, bounded, policy-checked HTTP for Frappe sites. Thread-safe; share one per process."""

    def __init__(
        self,
        *,
        policy: AddressPolicy,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        user_agent: str = DEFAULT_USER_AGENT,
        max_body_bytes: int = MAX_BODY_BYTES,
        pool_maxsize: int = 32,
        adapter: BaseAdapter | None = None,
        resolve: Resolver = socket.getaddrinfo,
        observe: Observer | None = None,
    ) -> None:
        self.policy = policy
        self._observe = observe
        self.timeout = (connect_timeout, read_timeout)
        self.user_agent = user_agent
        self.max_body_bytes = max_body_bytes
        self._adapter = adapter or _GuardedAdapter(policy=policy, pool_maxsize=pool_maxsize)
        self._resolve = resolve
        self._lock = threading.Lock()
        self.requests_sent = 0

    # -- the core: one prepared request out, one bounded response in --------------------------

    def send(
        self, prepared: requests.PreparedRequest, *, site: str | None = None
    ) -> requests.Response:
        if self._observe is None:
            return self._send(prepared, site=site)
        started = time.perf_counter()
        outcome = "error"
        try:
            response = self._send(prepared, site=site)
            outcome = f"{response.status_code // 100}xx"
            return response
        except SiteError as exc:
            outcome = _outcome_of(exc)
            raise
        finally:
            try:
                self._observe(site, outcome, time.perf_counter() - started)
            except Exception:  # counting must never fail a request to a site
                log.warning("could not record a request to %s", site, exc_info=True)

    def _send(self, prepared: requests.PreparedRequest, *, site: str | None) -> requests.Response:
        try:
            self.policy.check_url(prepared.url or "", resolve=self._resolve)
        except SiteError as exc:
            exc.site = exc.site or site
            raise
        prepared.headers["User-Agent"] = self.user_agent
        with self._lock:
            self.requests_sent += 1
        try:
            response = self._adapter.send(prepared, stream=True, timeout=self.timeout, verify=True)
            self._read_bounded(response, site=site)
        except PeerRefused as exc:
            raise AddressRefused(
                f"Connection refused by the address policy: {exc}.", site=site
            ) from None
        except requests.exceptions.SSLError as exc:
            raise SiteError(f"{_TLS_REJECTED} ({type(exc).__name__}).", site=site) from None
        except requests.exceptions.Timeout:
            raise TimedOut("The site did not answer in time.", site=site) from None
        except (requests.exceptions.ConnectionError, OSError):
            raise Transient("Could not connect to the site.", site=site) from None
        except requests.exceptions.RequestException as exc:
            raise SiteError(f"Request failed: {type(exc).__name__}.", site=site) from None
        return response

    def _read_bounded(self, response: requests.Response, *, site: str | None) -> None:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            response.close()
            raise SiteError(_TOO_LARGE, site=site)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > self.max_body_bytes:
                response.close()
                raise SiteError(_TOO_LARGE, site=site)
            chunks.append(chunk)
        response._content = b"".join(chunks)  # what .content/.text/.json() read
        response._content_consumed = True
        release = getattr(response.raw, "release_conn", None)
        if release is not None:
            release()  # back to the pool now that the body is read

    # -- the convenient form used by the client ---------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        site: str | None = None,
    ) -> HttpResponse:
        """Send one request. Redirects are followed for GET only, within the same origin (or an
        upgrade to https on the same host), each hop checked by the policy again."""
        hops = 0
        while True:
            prepared = requests.Request(
                method.upper(),
                url,
                params=params,
                json=json,
                data=data,
                headers=dict(headers or {}),
            ).prepare()
            response = self.send(prepared, site=site)
            if response.status_code not in _REDIRECTS or method.upper() != "GET":
                return HttpResponse(
                    status=response.status_code,
                    headers=CaseInsensitiveDict(response.headers),
                    content=response.content,
                    url=prepared.url or url,
                )
            hops += 1
            target = urljoin(prepared.url or url, response.headers.get("Location", ""))
            if hops > _MAX_REDIRECTS or not _same_site(prepared.url or url, target):
                shown = target.split("?", 1)[0]
                raise SiteError(
                    f"The site redirected to {shown}: use that address as the site's URL.",
                    status=response.status_code,
                    site=site,
                )
            url, params = target, None

    def session_adapter(self, *, site: str | None = None) -> BaseAdapter:
        """An adapter to mount on a requests session (requests-oauthlib's OAuth2Session) so its
        requests pass through this seam too."""
        return _SeamAdapter(self, site=site)


def _outcome_of(error: SiteError) -> str:
    if isinstance(error, TimedOut):
        return "timeout"
    if isinstance(error, AddressRefused):
        return "refused"
    if isinstance(error, Transient):
        return "connect"
    if error.message.startswith(_TLS_REJECTED):
        return "tls"
    if error.message == _TOO_LARGE:
        return "too_large"
    return "error"


def _same_site(old: str, new: str) -> bool:
    a, b = urlsplit(old), urlsplit(new)
    if (a.hostname, a.port) == (b.hostname, b.port) and a.scheme == b.scheme:
        return True
    # http -> https on the same host is an upgrade, not a move.
    return a.scheme == "http" and b.scheme == "https" and a.hostname == b.hostname


class _SeamAdapter(BaseAdapter):
    def __init__(self, http: Http, *, site: str | None) -> None:
        super().__init__()
        self._http = http
        self._site = site

    def send(self, request: requests.PreparedRequest, **_: Any) -> requests.Response:
        return self._http.send(request, site=self._site)

    def close(self) -> None:
        pass
