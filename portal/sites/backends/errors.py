"""How a call to a site can fail, the same for every backend: typed errors, each with a human
message and a ``permanent`` flag.

Callers decide on retries from the type and the flag only; nothing above a backend reads a
site's error bodies again. Messages come from sites, so they are untrusted: HTML is stripped,
anything token-shaped is redacted (a dead refresh token is echoed back in an error body), and
the length is bounded.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

MAX_MESSAGE_CHARS = 400


class SiteError(Exception):
    """A call to a site failed. ``permanent``: retrying the same call cannot help."""

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


class ReconnectNeeded(SiteError):
    """401, or the refresh token is dead: a person must connect the account again."""


class NoPermission(SiteError):
    """403: the credential may not do this (no CRM role, or no credentials at all)."""


class NotFound(SiteError):
    """404: the task (or the endpoint) does not exist."""


class ValidationFailed(SiteError):
    """417 (or an OAuth 400): the site refused the input; the message says why."""


class Transient(SiteError):
    """Worth retrying later: 429, 502-504, timeouts, connection errors, non-JSON answers."""

    default_permanent = False

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TimedOut(Transient):
    """No answer within the read or connect timeout: the site may be hanging."""


class UnexpectedAnswer(Transient):
    """The site answered 2xx but not in any shape we know (a proxy page, a truncated body)."""


class ServerError(SiteError):
    """500. On a write it is reported and never retried (the write may have happened)."""


class InputRefused(SiteError):
    """Refused before sending: the input would make the site answer 500 [023, 031]."""


class AddressRefused(SiteError):
    """The URL's scheme or address is not allowed by the address policy."""


class EditConflict(SiteError):
    """The task changed on the site since the caller read it; ``current`` is the fresh task."""

    def __init__(self, message: str, *, current: Any, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.current = current


# --- message extraction ------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]{0,500}>")
_SPACE = re.compile(r"\s+")
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
