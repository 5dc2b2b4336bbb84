"""How the portal reaches CRM sites of every kind: the one outgoing HTTP seam, from Django
settings (the backends themselves run without Django)."""

from __future__ import annotations

import threading

from django.conf import settings

from portal import metrics
from portal.http import DEFAULT_USER_AGENT, AddressPolicy, Http

# oauthlib and requests-oauthlib log token bodies at DEBUG: keep them at WARNING or above.
TOKEN_LOGGERS = ("oauthlib", "requests_oauthlib")

_shared: Http | None = None
_lock = threading.Lock()


def policy_from_settings() -> AddressPolicy:
    return AddressPolicy(
        allow_private=bool(getattr(settings, "SITE_ALLOW_PRIVATE_NETWORKS", True)),
        allow_loopback=bool(getattr(settings, "SITE_ALLOW_LOOPBACK", False)),
        allow_insecure_http=bool(getattr(settings, "SITE_ALLOW_INSECURE_HTTP", False)),
    )


def http_from_settings() -> Http:
    """One seam per process, so every site shares the connection pools."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Http(
                policy=policy_from_settings(),
                connect_timeout=float(getattr(settings, "SITE_CONNECT_TIMEOUT", 5.0)),
                read_timeout=float(getattr(settings, "SITE_READ_TIMEOUT", 20.0)),
                user_agent=str(getattr(settings, "SITE_USER_AGENT", DEFAULT_USER_AGENT)),
                # Latency and errors per site, for /metrics (portal/metrics.py).
                observe=metrics.site_request_observed,
            )
        return _shared


def reset_http() -> None:
    """Forget the shared seam (tests that override settings)."""
    global _shared
    with _lock:
        _shared = None
