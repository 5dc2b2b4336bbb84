"""Typed failures of a Frappe site, each with a human message and a ``permanent`` flag.

Callers decide on retries from the type and the flag only; nothing downstream reads Frappe's error
bodies again. Messages come from the site, so they are untrusted: HTML is stripped, anything
token-shaped is redacted (a dead refresh token is echoed back in a 404 body [140, 167]), and the
length is bounded.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

MAX_MESSAGE_CHARS = 400


class FrappeError(Exception):
    """A call to a Frappe site failed. ``permanent``: retrying the same call cannot help."""

    default_permanent = True

    def __init__(
        self,
        message: str,
        *,
        permanent: bool | None = None,
        status: int | None = None,
        site: str | None = None,
    ) -> None:
        self.message = clean_message(message) or "The site answered with an error."
        self.permanent = self.default_permanent if permanent is None else permanent
        self.status = status
        self.site = site
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f"{self.site}: " if self.site else ""
        return f"{where}{self.message}"


class ReconnectNeeded(FrappeError):
    """401, or the refresh token is dead: a person must connect the account again."""


class NoPermission(FrappeError):
    """403: the credential may not do this (no CRM role, or no credentials at all)."""


class NotFound(FrappeError):
    """404: the task (or the endpoint) does not exist."""


class MethodMissing(NotFound):
    """The site has no such whitelisted method: Frappe answers 417 "Failed to get method"
    [245, 246]. A plain Frappe CRM site answers the mobile_api endpoints this way."""


class ValidationFailed(FrappeError):
    """417 (or an OAuth 400): the site refused the input; the message says why."""


class Transient(FrappeError):
    """Worth retrying later: 429, 502-504, timeouts, connection errors, non-JSON answers."""

    default_permanent = False

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TimedOut(Transient):
    """No answer within the read or connect timeout: the site may be hanging."""


class UnexpectedAnswer(Transient):
    """The site answered 2xx but not in any shape we know (a proxy page, a truncated body)."""


class ServerError(FrappeError):
    """500. On a write it is reported and never retried (the write may have happened)."""


class InputRefused(FrappeError):
    """Refused before sending: the input would make the site answer 500 [023, 031]."""


class AddressRefused(FrappeError):
    """The URL's scheme or address is not allowed by the address policy."""


class EditConflict(FrappeError):
    """The task changed on the site since the caller read it; ``current`` is the fresh task."""

    def __init__(self, message: str, *, current: Any, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.current = current


# --- message extraction ------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]{0,500}>")
_SPACE = re.compile(r"\s+")
_EXC_PREFIX = re.compile(r"^[\w.]*(?:Error|Exception|exceptions\.\w+)\s*:\s*")
# Credentials in a recognisable context keep their label and lose their value.
_LABELLED = re.compile(
    r"(?i)\b(refresh_token|access_token|id_token|code_verifier|client_secret|api_secret|"
    r"api_key|password|pwd|secret|code|token)(['\"]?\s*[:=]\s*['\"]?)([^'\"\s,&}]+)"
)
_SCHEMES = re.compile(r"(?i)\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=:-]{6,}")
# Free-standing token-shaped strings: long runs of base64/hex-ish characters with a digit in them.
_TOKENISH = re.compile(r"(?<![\w@.])(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{20,}")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """Replace anything that looks like a credential with a marker."""
    text = _SCHEMES.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _LABELLED.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _TOKENISH.sub(REDACTED, text)


def strip_html(text: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>", " ", text)
    text = _TAG.sub(" ", text)
    return _SPACE.sub(" ", html.unescape(text)).strip()


def clean_message(text: str | None, *, limit: int = MAX_MESSAGE_CHARS) -> str:
    """HTML stripped, credentials redacted, length bounded: safe to store, log and show."""
    if not text:
        return ""
    text = redact(strip_html(str(text)[: limit * 8]))
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _server_messages(raw: Any) -> list[str]:
    """``_server_messages`` is a JSON string of a list of JSON strings, each with a message."""
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return []
    out: list[str] = []
    for item in items if isinstance(items, list) else []:
        try:
            inner = json.loads(item) if isinstance(item, str) else item
        except ValueError:
            inner = item
        text = inner.get("message") if isinstance(inner, dict) else inner
        if isinstance(text, str) and text.strip() and text not in out:
            out.append(text)
    return out


def site_message(body: Any) -> str:
    """The human text of a Frappe answer (contract: "Envelope and errors"), cleaned."""
    if not isinstance(body, dict):
        return clean_message(body if isinstance(body, str) else "")
    messages = _server_messages(body.get("_server_messages"))
    if messages:
        return clean_message(" / ".join(messages))
    exception = body.get("exception")
    if isinstance(exception, str):
        detail = _EXC_PREFIX.sub("", exception.strip())
        # "frappe.exceptions.AuthenticationError" alone carries no text: look further [122].
        if detail and detail != exception.strip():
            return clean_message(detail)
    for key in ("message", "_error_message"):
        if isinstance(body.get(key), str) and body[key].strip():
            return clean_message(body[key])
    if isinstance(body.get("exc_type"), str):
        return clean_message(body["exc_type"])
    if isinstance(body.get("error"), str):
        described = body.get("error_description") or body.get("description")
        text = f"{body['error']}: {described}" if isinstance(described, str) else body["error"]
        return clean_message(text)
    return ""


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


def error_for_status(
    status: int,
    body: Any,
    *,
    site: str | None,
    write: bool,
    retry_after: str | None = None,
    fallback: str = "",
) -> FrappeError:
    """Map a non-2xx answer to its typed error (contract table "Envelope and errors")."""
    message = site_message(body) or fallback or f"The site answered HTTP {status}."
    kwargs: dict[str, Any] = {"status": status, "site": site}
    if status == 401:
        return ReconnectNeeded(message, **kwargs)
    if status == 403:
        return NoPermission(message, **kwargs)
    if status == 404:
        return NotFound(message, **kwargs)
    if status == 417:
        if "Failed to get method" in message:
            return MethodMissing(message, **kwargs)
        return ValidationFailed(message, **kwargs)
    if status == 429:
        return Transient(message, retry_after=retry_after_seconds(retry_after), **kwargs)
    if status in (502, 503, 504):
        return Transient(message, retry_after=retry_after_seconds(retry_after), **kwargs)
    if status >= 500:
        # A 500 after a write may have written: never retry it. A read may be retried.
        return ServerError(message, permanent=write, **kwargs)
    if status in (400, 409, 422):
        # OAuth-level errors [145, 149, 153, 154]; the documented reference answers 400 for
        # invalid values where deployed sites answer 417 (seeds/000, "Error Handling").
        return ValidationFailed(message, **kwargs)
    return FrappeError(message, **kwargs)
