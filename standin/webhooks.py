"""Outbound webhooks, as Frappe's Webhook doctype sends them.

- Events: insert fires after_insert, then on_update (on_update also fires on
  insert) and on_change; a save fires on_update and on_change; a delete fires
  on_trash and after_delete. The periodic late switch fires nothing (latejob.py).
- Body: the admin's JSON template rendered (`{{ doc.field }}`), or for "Form
  URL-Encoded" a JSON object of the chosen fields, sent without a Content-Type
  (webhook_deliveries.jsonl, lines 2, 3 and 5 of the recorded deliveries).
- `X-Frappe-Webhook-Signature` = base64(HMAC-SHA256(secret, raw body)).
- A failing receiver (connection error or 4xx/5xx) is tried again after each of
  `webhook_retry_delays`, so the same event can arrive twice.
Deliveries go out in order from one worker thread per site.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import queue
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

_FIELD = re.compile(r"\{\{\s*doc\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
ALSO = {
    "on_update": ("on_update", "on_change"),
    "after_insert": ("after_insert",),
    "on_trash": ("on_trash",),
    "after_delete": ("after_delete",),
}


def signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def render(hook: dict, row: dict) -> tuple[bytes, dict, dict]:
    """(raw body, headers, data) of one delivery."""
    if hook.get("structure", "json") == "json":
        text = _FIELD.sub(
            lambda m: "None" if row.get(m.group(1)) is None else str(row.get(m.group(1))),
            hook.get("template") or "{}",
        )
        data = json.loads(text)  # a template that renders to bad JSON fails, as on Frappe
    else:
        data = {f["key"]: row.get(f["fieldname"]) for f in hook.get("fields", [])}
    body = json.dumps(data).encode()
    headers = dict(hook.get("headers") or {})
    if hook.get("secret"):
        headers["X-Frappe-Webhook-Signature"] = signature(hook["secret"], body)
    return body, headers, data


class WebhookDispatcher:
    def __init__(self, site) -> None:
        self.site = site
        self.hooks: list[dict] = []
        self.retry_delays: list[float] = [1.0, 4.0]
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._deliveries: list[dict] = []
        self._log: list[dict] = []
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._run, daemon=True, name=f"webhooks-{site.name}")
        self._worker.start()

    def reset(self, hooks: list[dict], retry_delays: list[float]) -> None:
        with self._lock:
            self.hooks = [self._normal(h) for h in hooks]
            self.retry_delays = [float(d) for d in retry_delays]
            self._deliveries, self._log = [], []

    def add(self, hooks: list[dict], replace: bool = False) -> None:
        with self._lock:
            self.hooks = ([] if replace else self.hooks) + [self._normal(h) for h in hooks]

    @staticmethod
    def _normal(hook: dict) -> dict:
        out = {
            "name": hook.get("name") or f"hook-{secrets.token_hex(3)}",
            "enabled": True,
            "events": ["on_update"],
            "structure": "json",
            "timeout": 5,
            **hook,
        }
        out["events"] = list(out["events"])
        return out

    def fire(self, event: str, row: dict) -> None:
        hooks = [
            h
            for h in self.hooks
            if h.get("enabled") and any(e in h["events"] for e in ALSO.get(event, (event,)))
        ]
        for hook in hooks:
            try:
                body, headers, data = render(hook, row)
            except ValueError as exc:
                self._record(hook, event, row, None, {}, 0, None, f"template: {exc}", {})
                continue
            self._queue.put((hook, event, dict(row), body, headers, data))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            self._deliver(*item)

    def _deliver(self, hook, event, row, body, headers, data) -> None:
        delays = list(self.retry_delays)
        attempt = 0
        while True:
            attempt += 1
            status, text, error = self._post(hook, body, headers)
            self._request_log(hook, row, headers, data, text, error)
            if error is None or not delays or self._stop.is_set():
                break
            time.sleep(delays.pop(0))
        self._record(hook, event, row, body, headers, attempt, status, error, data)

    @staticmethod
    def _post(hook, body: bytes, headers: dict) -> tuple[int | None, str, str | None]:
        # http.client rather than urllib: urllib would add a form Content-Type that
        # Frappe's "Form URL-Encoded" deliveries do not have.
        parts = urlsplit(str(hook["url"]))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None, "", f"unsupported URL {hook['url']}"
        conn_type = (
            http.client.HTTPSConnection if parts.scheme == "https" else (http.client.HTTPConnection)
        )
        conn = conn_type(parts.hostname, parts.port, timeout=float(hook["timeout"]))
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("POST", path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read(2000).decode(errors="replace")
            error = None if resp.status < 400 else f"HTTP {resp.status}"
            return resp.status, text, error
        except OSError as exc:  # refused, reset, timed out
            return None, "", f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()

    def _record(self, hook, event, row, body, headers, attempts, status, error, data) -> None:
        with self._lock:
            self._deliveries.append(
                {
                    "id": len(self._deliveries) + 1,
                    "webhook": hook["name"],
                    "event": event,
                    "name": row.get("name"),
                    "url": hook["url"],
                    "attempts": attempts,
                    "status": status,
                    "ok": error is None,
                    "error": error,
                    "body": body.decode() if body else None,
                    "headers": headers,
                    "at": datetime.now(UTC).isoformat(),
                }
            )

    def _request_log(self, hook, row, headers, data, text, error) -> None:
        """Rows of Frappe's `Webhook Request Log` [199]."""
        shown = {
            k: list(v.encode()) if k == "X-Frappe-Webhook-Signature" else v
            for k, v in headers.items()
        }
        with self._lock:
            self._log.insert(
                0,
                {
                    "name": secrets.token_hex(5),
                    "webhook": hook["name"],
                    "reference_document": str(row.get("name")),
                    "url": hook["url"],
                    "headers": json.dumps(shown, indent=1, sort_keys=True),
                    "data": json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False),
                    "response": text,
                    "error": error or "",
                },
            )

    def deliveries(self) -> list[dict]:
        with self._lock:
            return [dict(d) for d in self._deliveries]

    def request_log(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._log]

    def stop(self) -> None:
        self._stop.set()
