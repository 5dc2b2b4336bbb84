"""Strict readers for settings that come from the environment.

A malformed value must stop start-up with a message naming the variable, never fall back
silently to a default (healthchecks' envbool/envint are the model). Every variable read here
is listed in `.env.example`; a test checks that the two agree.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Env:
    """Reads typed values from a mapping (os.environ by default) and remembers what it read."""

    def __init__(self, source: Mapping[str, str] | None = None) -> None:
        self._source = os.environ if source is None else source
        self.read: set[str] = set()

    def raw(self, name: str) -> str | None:
        self.read.add(name)
        value = self._source.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def _fail(self, name: str, expected: str, value: str) -> ImproperlyConfigured:
        shown = value if len(value) <= 60 else value[:57] + "..."
        if any(word in name for word in ("SECRET", "KEY", "PASSWORD", "TOKEN")):
            shown = "<hidden>"
        elif "@" in value:  # URLs may carry a password before the host
            shown = value.split("://", 1)[0] + "://<hidden>@" + value.rsplit("@", 1)[1][:40]
        return ImproperlyConfigured(f"{name}: expected {expected}, got {shown!r}")

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw(name)
        return default if value is None else value

    def required(self, name: str, why: str) -> str:
        value = self.raw(name)
        if value is None:
            raise ImproperlyConfigured(f"{name}: must be set ({why})")
        return value

    def secret(self, name: str, *, min_length: int) -> str | None:
        """A shared secret, or None when unset; too short to resist guessing is an error (the
        value itself is never shown)."""
        value = self.raw(name)
        if value is not None and len(value) < min_length:
            raise ImproperlyConfigured(
                f"{name}: expected at least {min_length} characters, got {len(value)} (for "
                'example: python -c "import secrets; print(secrets.token_urlsafe(32))")'
            )
        return value

    def bool(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise self._fail(name, "true or false", value)

    def int(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise self._fail(name, "a whole number", value) from None
        if minimum is not None and number < minimum:
            raise self._fail(name, f"a whole number of at least {minimum}", value)
        return number

    def float(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise self._fail(name, "a number", value) from None
        if number != number or number < minimum:  # NaN or too small
            raise self._fail(name, f"a number of at least {minimum}", value)
        return number

    def list(self, name: str, default: list[str]) -> list[str]:
        value = self.raw(name)
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def networks(
        self, name: str, default: list[str]
    ) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """Comma-separated addresses or CIDR networks ("10.0.0.0/8,::1"); "none" for none."""
        items = self.list(name, default)
        if [item.lower() for item in items] == ["none"]:
            return []
        try:
            return [ipaddress.ip_network(item, strict=False) for item in items]
        except ValueError:
            raise self._fail(
                name, "IP addresses or networks such as 10.0.0.0/8", ",".join(items)
            ) from None

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.raw(name)
        if value is None:
            return default
        if value not in choices:
            raise self._fail(name, "one of " + ", ".join(choices), value)
        return value

    def url(self, name: str, schemes: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.raw(name)
        if value is None:
            return default
        parts = urlsplit(value)
        if parts.scheme not in schemes or not (parts.netloc or parts.path):
            raise self._fail(name, "a URL starting with " + " or ".join(schemes), value)
        return value
