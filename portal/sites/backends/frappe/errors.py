"""Frappe's error answers, read: the human text of an answer and the typed error of a status.

The error family itself is the portal's (``portal.sites.backends.errors``); only
``MethodMissing`` is Frappe's own.
"""

from __future__ import annotations

import json
import re
from typing import Any

# The family, re-exported for the Frappe modules' own imports; code outside this package
# imports it from ``portal.sites.backends.errors``.
from ..errors import (  # noqa: F401
    REDACTED,
    AddressRefused,
    EditConflict,
    InputRefused,
    NoPermission,
    NotFound,
    ReconnectNeeded,
    ServerError,
    SiteError,
    TimedOut,
    Transient,
    UnexpectedAnswer,
    ValidationFailed,
    clean_message,
    redact,
    retry_after_seconds,
    strip_html,
)

_EXC_PREFIX = re.compile(r"^[\w.]*(?:Error|Exception|exceptions\.\w+)\s*:\s*")


class MethodMissing(NotFound):
    """The site has no such whitelisted method: Frappe answers 417 "Failed to get method"
    [245, 246]. A plain Frappe CRM site answers the mobile_api endpoints this way."""


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


def error_for_status(
    status: int,
    body: Any,
    *,
    site: str | None,
    write: bool,
    retry_after: str | None = None,
    fallback: str = "",
) -> SiteError:
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
    return SiteError(message, **kwargs)
