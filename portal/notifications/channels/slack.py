"""Slack through slack_sdk: an incoming webhook (its channel is fixed by Slack), or a bot token
posting with ``chat.postMessage`` to a channel or to a person found by email
(``users.lookupByEmail``). Messages are Block Kit with Done/Snooze buttons.

slack_sdk's own retry handlers are off (``retry_handlers=[]``): a retry inside the client after a
lost answer could post twice, and sleeping on a 429 would pin a worker. The ledger retries, and
waits at least the Retry-After Slack sends (https://docs.slack.dev/apis/web-api/rate-limits).
"""

from __future__ import annotations

import socket
from http.client import HTTPException
from urllib.error import URLError

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from portal.notifications.channels import Message, Transport, TransportError
from portal.notifications.channels import http as outbound

# Web API error codes (https://docs.slack.dev/reference/methods/chat.postMessage#errors):
# the token or the destination is wrong or gone; only a person can fix that.
BREAKING = {
    "not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired",
    "no_permission", "missing_scope", "channel_not_found", "not_in_channel", "is_archived",
    "restricted_action", "org_login_required", "ekm_access_denied", "team_access_not_granted",
}  # fmt: skip
# This message or this person cannot be posted; the channel still works for others.
REFUSED = {
    "users_not_found", "user_not_found", "invalid_email", "invalid_blocks", "msg_too_long",
    "no_text", "too_many_attachments", "invalid_arguments", "cannot_dm_bot",
}  # fmt: skip
TRANSIENT = {"ratelimited", "internal_error", "fatal_error", "request_timeout",
             "service_unavailable"}  # fmt: skip
# Incoming webhook answers (https://docs.slack.dev/messaging/sending-messages-using-incoming-
# webhooks#handling-errors): 403/404/410 mean the webhook or its channel is gone.
WEBHOOK_BREAKING = {403, 404, 410}


def _network_error(exc: Exception) -> TransportError:
    # urllib wraps in URLError whatever fails while connecting (DNS, refused, TLS) or sending
    # the request; anything that fails later, while waiting for or reading the answer (a
    # timeout, a reset, a close without an answer), comes bare: the whole post went out, and
    # Slack may have posted it.
    if isinstance(exc, URLError):
        return TransportError(f"Could not reach Slack: {exc.reason}")
    if isinstance(exc, TimeoutError | socket.timeout):
        return TransportError("Slack did not answer in time.", maybe_delivered=True)
    return TransportError(
        f"The connection to Slack broke before an answer ({type(exc).__name__}).",
        maybe_delivered=True,
    )


def _retry_after(headers) -> float | None:
    for name in ("Retry-After", "retry-after"):
        value = (headers or {}).get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None and str(value).strip().isdigit():
            return float(str(value).strip())
    return None


def api_error(exc: SlackApiError, *, doing: str) -> TransportError:
    response = exc.response
    code = ""
    if isinstance(getattr(response, "data", None), dict):
        code = str(response.data.get("error") or "")
    status = getattr(response, "status_code", None)
    text = f"Slack refused {doing}: {code or f'HTTP {status}'}"
    if status == 429 or code == "ratelimited":
        return TransportError(text, retry_after=_retry_after(response.headers))
    if code in BREAKING:
        return TransportError(text, permanent=True)
    if code in REFUSED:
        return TransportError(text, permanent=True, breaks_channel=False)
    if code in TRANSIENT or (status or 0) >= 500:
        return TransportError(text)
    return TransportError(text, permanent=True, breaks_channel=False)


class SlackTransport(Transport):
    def __init__(self, channel) -> None:
        super().__init__(channel)
        self.mode = self.config.get("mode") or "webhook"
        self._target: str | None = None

    def web_client(self) -> WebClient:
        token = self.config.get("token") or ""
        if not token:
            raise TransportError("The Slack channel has no bot token.", permanent=True)
        outbound.check_url(settings.SLACK_API_BASE_URL)
        return WebClient(
            token=token,
            base_url=settings.SLACK_API_BASE_URL,
            timeout=int(max(settings.NOTIFY_HTTP_TIMEOUT, 1)),
            retry_handlers=[],
        )

    def prepare(self, message: Message) -> None:
        if self.mode != "bot":
            return
        if not message.recipient:
            self._target = self.config.get("channel") or ""
            if not self._target:
                raise TransportError("The Slack channel has no channel to post to.", permanent=True)
            return
        try:
            found = self.web_client().users_lookupByEmail(email=message.recipient)
        except SlackApiError as exc:
            raise api_error(exc, doing=f"looking up {message.recipient}") from None
        except (URLError, OSError, HTTPException) as exc:
            raise _network_error(exc) from None
        self._target = str((found.data or {}).get("user", {}).get("id") or "")
        if not self._target:
            raise TransportError(
                f"Slack knows no user {message.recipient}.", permanent=True, breaks_channel=False
            )

    def notify(self, message: Message) -> None:
        if self.mode == "bot":
            self._post_as_bot(message)
        else:
            self._post_to_webhook(message)

    def _post_as_bot(self, message: Message) -> None:
        if self._target is None:
            self.prepare(message)
        try:
            self.web_client().chat_postMessage(
                channel=self._target or "",
                text=message.text[:3000],
                blocks=message.blocks or None,
                unfurl_links=False,
            )
        except SlackApiError as exc:
            raise api_error(exc, doing="the message") from None
        except (URLError, OSError, HTTPException) as exc:
            raise _network_error(exc) from None

    def _post_to_webhook(self, message: Message) -> None:
        url = self.config.get("url") or ""
        if not url:
            raise TransportError("The Slack channel has no incoming webhook URL.", permanent=True)
        outbound.check_url(url)
        client = WebhookClient(
            url, timeout=int(max(settings.NOTIFY_HTTP_TIMEOUT, 1)), retry_handlers=[]
        )
        try:
            answer = client.send(text=message.text[:3000], blocks=message.blocks or None)
        except (URLError, OSError, HTTPException) as exc:
            raise _network_error(exc) from None
        if answer.status_code == 200:
            return
        body = " ".join(str(answer.body or "").split())[:200]
        text = f"Slack's webhook answered HTTP {answer.status_code}: {body}"
        if answer.status_code == 429 or answer.status_code >= 500:
            raise TransportError(text, retry_after=_retry_after(answer.headers))
        raise TransportError(
            text, permanent=True, breaks_channel=answer.status_code in WEBHOOK_BREAKING
        )


def respond(response_url: str, text: str) -> None:
    """Answers an interaction through its response_url (an ephemeral note to the clicker)."""
    outbound.check_url(response_url)
    client = WebhookClient(
        response_url, timeout=int(max(settings.NOTIFY_HTTP_TIMEOUT, 1)), retry_handlers=[]
    )
    client.send(text=text, response_type="ephemeral", replace_original=False)
