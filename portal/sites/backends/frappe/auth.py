"""Credentials for Frappe sites: API key/secret and OAuth2 bearer tokens.

A credential gives the headers for a request (``headers()``) and decides whether a request that
got 401 is worth sending once more (``retry_after_401()``). OAuth tokens live in a ``TokenStore``
that can hold a lock (a row lock on PostgreSQL), so a refresh is single-flight across
processes: whoever holds the lock re-reads the token, refreshes only if it is still stale, saves
the new set and then revokes the previous refresh token (every refresh issues a new one while the
old one keeps working [134-136, 139]; revoking needs ``client_id`` [156, 166]).

The grants themselves are in ``oauth.py``. Tokens are never logged here; oauthlib and
requests-oauthlib log them at DEBUG, which the portal's LOGGING silences (portal/settings.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from portal.http import Http

from .errors import ReconnectNeeded, SiteError
from .oauth import refresh_grant, revoke

log = logging.getLogger(__name__)

REFRESH_SKEW_SECONDS = 60.0


class Credential(Protocol):
    def headers(self) -> dict[str, str]: ...

    def retry_after_401(self, sent: Mapping[str, str]) -> bool: ...


class ApiKeyAuth:
    """``Authorization: token KEY:SECRET`` [180, 181]. A 401 means the pair is wrong or was
    regenerated [184, 185, 188]: nothing to retry."""

    def __init__(self, key: str, secret: str) -> None:
        self._value = f"token {key}:{secret}"
        self.key = key

    def headers(self) -> dict[str, str]:
        return {"Authorization": self._value}

    def retry_after_401(self, sent: Mapping[str, str]) -> bool:
        return False

    def __repr__(self) -> str:
        return f"ApiKeyAuth(key={self.key!r}, secret=***)"


class TokenStore(Protocol):
    """Where one connection's token set lives. ``locked()`` holds a lock across processes for
    the duration of the ``with`` block and yields the freshest token (or None)."""

    def load(self) -> dict[str, Any] | None: ...

    def save(self, token: dict[str, Any]) -> None: ...

    def locked(self) -> AbstractContextManager[dict[str, Any] | None]: ...


class MemoryTokenStore:
    """A TokenStore for one process (tests, scripts); the portal keeps its tokens in the
    database (``ConnectionTokenStore``)."""

    def __init__(self, token: dict[str, Any] | None = None) -> None:
        self._token = dict(token) if token else None
        self._lock = threading.RLock()
        self.saves = 0

    def load(self) -> dict[str, Any] | None:
        with self._lock:
            return dict(self._token) if self._token else None

    def save(self, token: dict[str, Any]) -> None:
        with self._lock:
            self._token = dict(token)
            self.saves += 1

    @contextmanager
    def locked(self) -> Iterator[dict[str, Any] | None]:
        with self._lock:
            yield self.load()


class OAuthBearer:
    """Bearer tokens from a TokenStore, refreshed ahead of expiry, single-flight under the
    store's lock."""

    def __init__(
        self,
        *,
        store: TokenStore,
        site_base: str,
        client_id: str,
        http: Http,
        skew: float = REFRESH_SKEW_SECONDS,
        clock: Callable[[], float] = time.time,
        site: str | None = None,
    ) -> None:
        self.store = store
        self.site_base = site_base
        self.client_id = client_id
        self.site = site
        self._http = http
        self._skew = skew
        self._clock = clock
        self._current: dict[str, Any] | None = None
        self._guard = threading.Lock()

    def headers(self) -> dict[str, str]:
        token = self._token()
        if self._stale(token):
            token = self._refresh(seen=token, force=False)
        return {"Authorization": f"Bearer {token['access_token']}"}

    def retry_after_401(self, sent: Mapping[str, str]) -> bool:
        """The access token we sent was refused. If another process has replaced it, use the
        new one; else refresh once. A refresh that fails for good raises ReconnectNeeded."""
        used = _bearer_of(sent)
        fresh = self.store.load()
        if not fresh or not fresh.get("access_token"):
            raise ReconnectNeeded("This account is not connected to the site.", site=self.site)
        if fresh["access_token"] != used:
            self._remember(fresh)
            return True
        self._refresh(seen=fresh, force=True)
        return True

    def refresh_now(self) -> dict[str, Any]:
        """Refresh regardless of expiry (e.g. a health check that wants a fresh token)."""
        return self._refresh(seen=self._token(), force=True)

    # ---------------------------------------------------------------------------------------

    def _token(self) -> dict[str, Any]:
        with self._guard:
            token = self._current
        if token is None:
            token = self.store.load()
            if not token or not token.get("access_token"):
                raise ReconnectNeeded("This account is not connected to the site.", site=self.site)
            self._remember(token)
        return token

    def _remember(self, token: dict[str, Any]) -> None:
        with self._guard:
            self._current = token

    def _stale(self, token: Mapping[str, Any]) -> bool:
        expires_at = token.get("expires_at")
        if not isinstance(expires_at, int | float):
            return False  # unknown expiry: use it until the site says 401
        return self._clock() >= float(expires_at) - self._skew

    def _refresh(self, *, seen: Mapping[str, Any], force: bool) -> dict[str, Any]:
        with self.store.locked() as current:
            if not current or not current.get("access_token"):
                raise ReconnectNeeded("This account is not connected to the site.", site=self.site)
            if current["access_token"] != seen.get("access_token") and not self._stale(current):
                self._remember(current)  # another process refreshed while we waited
                return current
            if not force and not self._stale(current):
                self._remember(current)
                return current
            previous = current.get("refresh_token")
            if not previous:
                raise ReconnectNeeded("The connection has no refresh token.", site=self.site)
            new = refresh_grant(
                site_base=self.site_base,
                client_id=self.client_id,
                refresh_token=previous,
                http=self._http,
                clock=self._clock,
                site=self.site,
            )
            self.store.save(new)
            self._remember(new)
        if new.get("refresh_token") != previous:
            try:
                revoke(
                    site_base=self.site_base,
                    client_id=self.client_id,
                    token=previous,
                    http=self._http,
                    site=self.site,
                )
            except SiteError as exc:  # the new token works; an old one left alive is no outage
                log.warning("Revoking the previous refresh token failed: %s", exc)
        return new


def _bearer_of(sent: Mapping[str, str]) -> str:
    value = next((v for k, v in sent.items() if k.lower() == "authorization"), "")
    return value.split(" ", 1)[1] if " " in value else ""
