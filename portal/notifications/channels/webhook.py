"""Generic signed webhooks: a JSON POST per delivery.

Headers: ``X-Portal-Timestamp`` (Unix seconds), ``X-Portal-Signature: sha256=<hex>`` where hex is
HMAC-SHA256(secret, timestamp + "." + raw body), and ``Idempotency-Key`` (the delivery's ledger
key, the same on every retry and replay). A receiver recomputes the HMAC over the exact bytes it
got, compares in constant time, refuses old timestamps, and drops a key it has seen
(the README's "Signed webhooks from the portal" shows the receiver's code).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from portal.notifications.channels import Message, Transport, TransportError
from portal.notifications.channels import http as outbound

# Receivers telling us the endpoint is wrong or gone: retrying cannot help, the channel needs
# a person (a 404 as the issue says; 401/403 a wrong secret or a revoked endpoint; 410 gone).
BROKEN = {401, 403, 404, 405, 410}
TRANSIENT = {408, 425, 429}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, *, timestamp: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """What a receiver does (also used by our tests)."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header or "")


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


class WebhookTransport(Transport):
    def notify(self, message: Message) -> None:
        url = self.config.get("url") or ""
        if not url:
            raise TransportError("The webhook has no URL.", permanent=True)
        body = encode(message.payload)
        # Real time, not the portal clock: the receiver compares it with its own clock.
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Portal-Timestamp": timestamp,
            "Idempotency-Key": message.key,
        }
        secret = self.config.get("secret") or ""
        if secret:
            headers["X-Portal-Signature"] = signature(secret, timestamp, body)
        answer = outbound.post(url, body=body, headers=headers)
        self.raise_for_answer(answer)

    @staticmethod
    def raise_for_answer(answer: outbound.Answer) -> None:
        status = answer.status
        if 200 <= status < 300:
            return
        excerpt = " ".join(answer.text.split())[:200]
        text = f"HTTP {status}" + (f": {excerpt}" if excerpt else "")
        if 300 <= status < 400:
            where = answer.headers.get("location", "")[:200]
            raise TransportError(f"{text} (redirected to {where}: use that URL)", permanent=True)
        if status in TRANSIENT or status >= 500:
            raise TransportError(text, retry_after=outbound.retry_after(answer.headers))
        raise TransportError(text, permanent=True, breaks_channel=status in BROKEN)
