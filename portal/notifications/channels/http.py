"""The one door for notifications' outgoing HTTP (webhooks, Slack): a timeout, a bounded answer,
no redirects, and the address policy of the Frappe client's seam with our own settings (receivers
may be on a private network; loopback and plain http only in development and tests).

The policy is checked on the resolved addresses right before each send, and webhook posts check
it again on the socket's actual peer when it connects (a DNS answer that changes in between
cannot reach a refused address). slack_sdk sends through urllib, so for Slack the pre-check is
the guard (its API address is a setting, not something an admin types per channel).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from urllib3.exceptions import NewConnectionError

from portal.http import AddressPolicy, PeerRefused, guarded_session
from portal.notifications.channels import TransportError
from portal.sites.backends.errors import SiteError

MAX_ANSWER_BYTES = 64 * 1024
USER_AGENT = "frappe-task-portal-notifications/1"


def policy() -> AddressPolicy:
    return AddressPolicy(
        allow_private=settings.NOTIFY_ALLOW_PRIVATE_NETWORKS,
        allow_loopback=settings.NOTIFY_ALLOW_LOOPBACK,
        allow_insecure_http=settings.NOTIFY_ALLOW_INSECURE_HTTP,
    )


def check_url(url: str) -> None:
    """TransportError (permanent) unless the URL may be contacted."""
    try:
        policy().check_url(url)
    except SiteError as exc:
        permanent = exc.permanent
        message = exc.message.replace("This portal only talks to sites", "Only receivers")
        raise TransportError(f"{host_of(url)}: {message}", permanent=permanent) from None


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.hostname or "?"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    text: str


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Answer:
    """POST exactly these bytes. Raises TransportError for what never got an answer."""
    check_url(url)
    timeout = settings.NOTIFY_HTTP_TIMEOUT
    host = host_of(url)
    try:
        response = guarded_session(policy()).post(
            url,
            data=body,
            headers={"User-Agent": USER_AGENT, **headers},
            timeout=(min(timeout, 5.0), timeout),
            allow_redirects=False,
            stream=True,
        )
    except PeerRefused as exc:
        raise TransportError(
            f"{host}: refused by the address policy ({exc}).", permanent=True
        ) from None
    except requests.exceptions.ConnectTimeout:
        raise TransportError(f"{host}: the connection timed out.") from None
    except requests.exceptions.ReadTimeout:
        # The request went out; the receiver may have acted on it.
        raise TransportError(
            f"{host}: no answer within {timeout:g} s.", maybe_delivered=True
        ) from None
    except requests.exceptions.SSLError as exc:
        raise TransportError(
            f"{host}: TLS failed ({type(exc).__name__}).", permanent=True
        ) from None
    except requests.exceptions.ConnectionError as exc:
        reason = _reason(exc)
        if _never_connected(exc):
            raise TransportError(f"{host}: could not connect ({reason}).") from None
        # Connected, and the request went out (urllib3 reads for an answer even when a send
        # fails): the receiver may have acted on it.
        raise TransportError(
            f"{host}: the connection broke before an answer ({reason}).", maybe_delivered=True
        ) from None
    except requests.exceptions.RequestException as exc:
        raise TransportError(f"{host}: request failed ({type(exc).__name__}).") from None
    try:
        raw = response.raw.read(MAX_ANSWER_BYTES, decode_content=True) or b""
    except (requests.exceptions.RequestException, OSError):
        raw = b""
    finally:
        response.close()
    return Answer(
        status=response.status_code,
        headers={k.lower(): v for k, v in response.headers.items()},
        text=raw.decode("utf-8", errors="replace"),
    )


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """Only a failure to open the connection proves nothing went out; anything else (a reset,
    a close without an answer) may have come after the receiver had the whole request."""
    cause = exc.args[0] if exc.args else None
    cause = getattr(cause, "reason", cause)  # urllib3's MaxRetryError wraps what happened
    return isinstance(cause, NewConnectionError)  # refused, unreachable, DNS (a subclass)


def _reason(exc: Exception) -> str:
    # Never str(exc) itself: urllib3 puts the URL in it, and a webhook URL may carry a secret.
    text = str(exc)
    for marker in (
        "Connection refused", "Name or service not known", "No route to host",
        "Connection reset by peer", "Remote end closed connection without response",
    ):  # fmt: skip
        if marker in text:
            return marker.lower()
    return type(exc).__name__


def retry_after(headers: dict[str, str]) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare from these receivers: ignored)."""
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    return None
