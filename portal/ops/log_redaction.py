"""Secrets never reach a log line, not even inside a URL.

URLs carry secrets in two places: query parameters (the OAuth callback's ``code`` and ``state``,
``access_token`` and the like) and the signed tokens of the links in reminders
(``/notifications/act/<token>/``, ``/notifications/unsubscribe/<token>/``). A URL may also sit,
percent-encoded, inside another one (``/accounts/login/?next=/sites/oauth/callback/%3Fcode%3D…``
when a callback arrives after the session expired). ``redact`` replaces each such value with
``[redacted]`` in any text; ``RedactSecrets`` is a logging filter that applies it to the whole
line a record will print, traceback included. Gunicorn's logger (portal/ops/gunicorn_conf.py)
and Django's console handler (portal/settings.py) both use it.

The filter works on text, not on one logger's fields, so a new log format or a library that
logs a URL in its own words is covered too.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# "?", "&" or ";" before a parameter name, and "=" after it, raw or percent-encoded (any depth).
_SEPARATOR = r"(?:[?&;]|%(?:25)*(?:3F|26|3B))"
_EQUALS = r"(?:=|%(?:25)*3D)"
# Names whose value is a secret: anything with token, secret, password or signature in it,
# names ending in code, key, state or sig (code, device_code, api_key, key, oauth_state, sig),
# and a few more from OAuth and friends.
_NAME = (
    r"(?:[\w.\-\[\]]*?(?:token|secret|passw(?:or)?d|signature|credential)[\w.\-\[\]]*"
    r"|[\w.\-]*(?:code|key|state|sig|verifier|assertion|nonce|otp|session(?:id)?|jwt)"
    r"|auth|authorization)"
)
# A value ends at the next separator, raw or encoded, or at a quote, space or fragment.
_VALUE = r"(?:(?!%(?:25)*(?:26|3B))[^&;\s\"'#<>])*"
_PARAMETER = re.compile(f"({_SEPARATOR}{_NAME}{_EQUALS}){_VALUE}", re.IGNORECASE)
# Signed capability links: the path segment after these is a bearer token.
_PATH_TOKEN = re.compile(r"(/(?:act|unsubscribe)/)[^/?\s\"'#<>]+")


def redact(text: str) -> str:
    """``text`` with every secret query value and link token replaced by ``[redacted]``."""
    if not text:
        return text
    text = _PARAMETER.sub(lambda m: m.group(1) + REDACTED, text)
    return _PATH_TOKEN.sub(lambda m: m.group(1) + REDACTED, text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message (and traceback) with secrets redacted; never drops one."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
