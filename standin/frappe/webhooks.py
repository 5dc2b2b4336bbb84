"""Outbound webhooks, as Frappe's Webhook doctype sends them.

- Events: insert fires after_insert, then on_update (on_update also fires on
  insert) and on_change; a save fires on_update and on_change; a delete fires
  on_trash and after_delete. The periodic late switch fires nothing (latejob.py).
- Body: the admin's JSON template rendered the way Frappe renders it (Jinja, no
  escaping: `{{ doc.field }}` writes the value's text, `None` for an empty one, so
  a double quote, a backslash or a line break in a title makes invalid JSON; the
  `tojson` filter writes the value as JSON), parsed, and sent re-serialised; or for
  "Form URL-Encoded" a JSON object of the chosen fields, serialised by the site
  itself and sent without a Content-Type (webhook_deliveries.jsonl, lines 2, 3 and
  5 of the recorded deliveries). A template that renders to invalid JSON sends
  nothing: the error goes to the `Webhook Request Log`, as Frappe's
  enqueue_webhook logs it.
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

_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_FIELD = re.compile(r"doc\.([A-Za-z_][A-Za-z0-9_]*)")
ALSO = {
    "on_update": ("on_update", "on_change"),
    "after_insert": ("after_insert",),
    "on_trash": ("on_trash",),
    "after_delete": ("after_delete",),
}


def signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class TemplateUnsupported(ValueError):
    """An expression the stand-in cannot render (Frappe would: it runs full Jinja)."""


def _tojson(value) -> str:
    """Jinja's built-in `tojson` (htmlsafe_json_dumps with the default policies)."""
    text = json.dumps(value, sort_keys=True, default=str)  # dates arrive as text, as in as_dict
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return text


def _expression(source: str, row: dict) -> str:
    """One `{{ ... }}`: `doc.field`, optionally piped through `tojson`."""
    field, *filters = (part.strip() for part in source.split("|"))
    match = _FIELD.fullmatch(field)
    if match is None or any(f != "tojson" for f in filters):
        raise TemplateUnsupported(f"only doc.field and tojson are rendered here: {{{{{source}}}}}")
    value = row.get(match.group(1))
    for _filter in filters:
        value = _tojson(value)
    return str(value)  # Jinja without autoescape: None is "None", quotes stay as they are


def render_template(template: str, row: dict) -> str:
    return _EXPRESSION.sub(lambda m: _expression(m.group(1), row), template)


def render(hook: dict, row: dict) -> tuple[bytes, dict, dict]:
    """(raw body, headers, data) of one delivery."""
    if hook.get("structure", "json") == "json":
        text = render_template(hook.get("template") or "{}", row)
        data = json.loads(text)  # invalid JSON raises JSONDecodeError, as on Frappe
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
                self._render_failed(hook, event, row, exc)
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

    def _render_failed(self, hook, event, row, exc: ValueError) -> None:
        """Frappe's enqueue_webhook catches the error, writes a `Webhook Request Log` row
        without headers or data whose error is the traceback, and sends nothing."""
        where = "json.decoder." if isinstance(exc, json.JSONDecodeError) else ""
        error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._log.insert(
                0,
                {
                    "name": secrets.token_hex(5),
                    "webhook": hook["name"],
                    "reference_document": str(row.get("name")),
                    "url": hook["url"],
                    "headers": None,
                    "data": None,
                    "response": None,
                    "error": f"Traceback (most recent call last):\n{where}{error}\n",
                },
            )
        self._record(hook, event, row, None, {}, 0, None, error, {})

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
