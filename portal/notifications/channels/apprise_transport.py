"""Many more services through Apprise (Microsoft Teams, Telegram, Discord, Google Chat,
Mattermost, ntfy, generic JSON and form receivers, and the rest of its HTTP services), each
configured by one Apprise URL (https://github.com/caronc/apprise/wiki).

The URL embeds the service's credentials, so it lives in the channel's encrypted config and is
never logged or shown: pages show Apprise's own privacy form (``url(privacy=True)``), error texts
name only the host a request went to, and answer excerpts have every part of the URL removed.
Apprise's own logger is silenced (its debug lines print request URLs with tokens in them).

One plugin instance per send, called directly (``plugin.notify``: synchronous, in this thread),
with Apprise's own retries off (``retry = 0``: the ledger retries, and knows when a retry could
post twice), a memory-only store, and one piece per target (``overflow=truncate``). What each of
its requests got back is read underneath it (``apprise_http.observed``) and classified as the
webhook channel classifies an answer; a plugin that does not send through ``requests`` (email,
desktop, MQTT, XMPP...) is refused when the channel is saved, since its failures could not be told
apart.
"""

from __future__ import annotations

import email.charset
import logging
import re
import sys
from urllib.parse import unquote

import apprise
import requests

from portal.notifications.channels import Message, Transport, TransportError
from portal.notifications.channels import http as outbound
from portal.notifications.channels.apprise_http import Exchange, observed

# Apprise logs request URLs and payloads at debug level and its own parse errors with the URL.
_apprise_log = logging.getLogger("apprise")
_apprise_log.setLevel(logging.CRITICAL + 1)
_apprise_log.propagate = False
_apprise_log.addHandler(logging.NullHandler())

# As for signed webhooks: the endpoint is wrong or gone, only a person can fix it.
BROKEN = {401, 403, 404, 405, 410}
TRANSIENT = {408, 425, 429}
REDACTED = "[redacted]"


class AppriseURLError(ValueError):
    """The URL names no HTTP service Apprise knows (the message never holds the URL).
    ``code``: "missing", "unknown" or "not_http", for forms to say it in the reader's language;
    ``service``: the service's or the scheme's name."""

    def __init__(self, message: str, *, code: str, service: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.service = service


def _keep_email_encoding() -> None:
    """Apprise loads its plugins on first use, and its email plugin then switches the whole
    process's UTF-8 email encoding to quoted-printable (apprise/plugins/email/__init__.py,
    ``charset.add_charset``), changing how every reminder email is encoded. The portal sends
    email itself: the standard library's own setting is put back."""
    email.charset.add_charset("utf-8", email.charset.SHORTEST, email.charset.BASE64, "utf-8")


def service_for(url: str):
    """A fresh Apprise plugin for ``url``, set up for one ledger-driven send."""
    url = (url or "").strip()
    if not url:
        raise AppriseURLError("The channel has no Apprise URL.", code="missing")
    asset = apprise.AppriseAsset(storage_mode="memory")
    plugin = apprise.Apprise.instantiate(url, asset=asset, suppress_exceptions=True)
    _keep_email_encoding()
    if plugin is None:
        scheme = url.split("://", 1)[0][:20] if "://" in url else ""
        raise AppriseURLError(
            f"Apprise does not understand this URL (scheme {scheme or 'missing'}): "
            "check it against Apprise's documentation.",
            code="unknown",
            service=scheme,
        )
    module = sys.modules.get(type(plugin).__module__)
    if getattr(module, "requests", None) is not requests:
        raise AppriseURLError(
            f"{plugin.service_name} does not send over HTTP, so the portal could not tell a "
            "refusal from a lost answer: use an HTTP service (or the Email channel).",
            code="not_http",
            service=plugin.service_name,
        )
    plugin.retry = 0
    return plugin


def display_url(url: str) -> str:
    """Enough to recognise the service: Apprise's privacy form of the URL (tokens shortened,
    passwords starred) cut after its host, since Apprise leaves paths as they are and an ntfy
    topic or a chat id there is as good as a password."""
    try:
        private = service_for(url).url(privacy=True)
    except AppriseURLError:
        return ""
    scheme, _, rest = private.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0]
    return f"{scheme}://{host}/…"


def secrets_of(url: str) -> list[str]:
    """Every piece of the URL that may be a credential, longest first: Apprise puts tokens in
    the user, password, host and port positions (tgram://bot-id:token/...), path segments and
    query values, so everything after the scheme is split on URL separators, raw and decoded."""
    rest = url.split("://", 1)[-1]
    found: set[str] = set()
    for text in (rest, unquote(rest)):
        for fragment in [text, *re.split(r"[/:@?&=,;+#]", text)]:
            if len(fragment) >= 4:
                found.add(fragment)
    return sorted(found, key=len, reverse=True)


def redact(text: str, url: str) -> str:
    for fragment in secrets_of(url):
        text = text.replace(fragment, REDACTED)
    return text


def outcome(*, ok: bool, exchanges: list[Exchange], service: str, url: str) -> None:
    """Raises the TransportError a send with these exchanges deserves; returns on success."""
    if ok:
        return
    if not exchanges:
        raise TransportError(
            f"{service}: Apprise refused to send before contacting the service "
            "(check the URL's parameters).",
            permanent=True,
        )
    failed = next((e for e in exchanges if not e.accepted), exchanges[-1])
    error = failed.error or _answer_error(failed, service=service, url=url)
    accepted = sum(1 for e in exchanges if e.accepted)
    if accepted and not failed.accepted:
        # Some targets or pieces have it already: a retry would post those twice.
        raise TransportError(
            f"{accepted} of {len(exchanges)} requests were accepted before this failure, so "
            f"it was sent in part: {error.message}",
            maybe_delivered=True,
        )
    raise error


def _answer_error(exchange: Exchange, *, service: str, url: str) -> TransportError:
    status = exchange.status or 0
    excerpt = redact(" ".join(exchange.text.split())[:200], url)
    text = f"{service} ({exchange.host}): HTTP {status}" + (f": {excerpt}" if excerpt else "")
    if 200 <= status < 300:
        # The service answered, and its answer said no (Telegram's {"ok": false}, say).
        return TransportError(f"{text} (the service refused the message)", permanent=True,
                              breaks_channel=False)  # fmt: skip
    if 300 <= status < 400:
        return TransportError(f"{text} (redirected: fix the URL)", permanent=True)
    if status in TRANSIENT or status >= 500:
        return TransportError(text, retry_after=outbound.retry_after(exchange.headers))
    return TransportError(text, permanent=True, breaks_channel=status in BROKEN)


class AppriseTransport(Transport):
    def notify(self, message: Message) -> None:
        url = self.config.get("url") or ""
        try:
            plugin = service_for(url)
        except AppriseURLError as exc:
            raise TransportError(str(exc), permanent=True) from None
        with observed() as observer:
            try:
                ok = bool(
                    plugin.notify(
                        body=message.text or message.subject,
                        title=message.subject,
                        body_format=apprise.NotifyFormat.TEXT,
                        overflow=apprise.OverflowMode.TRUNCATE,
                    )
                )
            except Exception:  # a plugin bug: judged from what it sent, never its text (a URL)
                ok = False
        outcome(ok=ok, exchanges=observer.exchanges, service=plugin.service_name, url=url)
