"""Fault injection per site, switchable at run time (`POST /_standin/faults`).

A rule is `{"kind": K, "rate": 1.0, "count": N, "paths": [prefixes], "methods": [...]}`
plus its kind's keys: latency (`ms`), error (`status`), html (`status`),
invalid_json, rate_limit (`retry_after`), timeout (`seconds`), refuse (`mode`
reset|closed, `seconds`). The table in README.md says what each does. Control
requests (`/_standin/...`) are never faulted, so a site in `reset` mode can still be
cleared on its own port; a `closed` one (connection refused) through the admin port.

The `error` and `rate_limit` answers are the CRM's own (its error body): the site
hands `Faults` an `answers` object with `error(status)` and `rate_limit()`, e.g.
`standin.frappe.faults`. The `html` answer is a proxy's page, the same for any CRM.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from dataclasses import dataclass

from standin.httpio import Request, Response, html_response

KINDS = ("latency", "error", "html", "invalid_json", "rate_limit", "timeout", "refuse")
_RULE_KEYS = {
    "kind",
    "rate",
    "count",
    "paths",
    "path",
    "methods",
    "ms",
    "latency_ms",
    "status",
    "retry_after",
    "seconds",
    "mode",
}


def _check(rule: dict) -> dict:
    if not isinstance(rule, dict) or rule.get("kind") not in KINDS:
        raise ValueError(f"a fault needs a kind among {list(KINDS)}: {rule!r}")
    unknown = set(rule) - _RULE_KEYS
    if unknown:
        raise ValueError(f"unknown fault keys {sorted(unknown)}")
    if rule["kind"] == "refuse" and rule.get("mode", "reset") not in ("reset", "closed"):
        raise ValueError("refuse mode must be reset or closed")
    rate = float(rule.get("rate", 1.0))
    if not 0 <= rate <= 1:
        raise ValueError("rate must be between 0 and 1")
    return dict(rule)


@dataclass
class Decision:
    kind: str | None
    rule: dict | None
    delay_ms: float = 0.0
    answers: object = None  # the CRM's error and rate_limit answers (see the module doc)

    @property
    def label(self) -> str:
        return self.kind or "latency"

    @property
    def replaces(self) -> bool:
        return self.kind in ("error", "html", "rate_limit")

    def delay(self) -> None:
        if self.delay_ms > 0:
            time.sleep(self.delay_ms / 1000)

    def response(self, req: Request) -> Response:
        rule = self.rule or {}
        if self.kind == "html":
            status = int(rule.get("status", 502))
            title = f"{status} Bad Gateway" if status == 502 else f"{status} Error"
            return html_response(
                f"<html><head><title>{title}</title></head><body><center><h1>{title}</h1>"
                "</center><hr><center>nginx</center></body></html>",
                status,
            )
        if self.kind == "rate_limit":
            seconds = int(rule.get("retry_after", 5))
            resp = self.answers.rate_limit()
            resp.headers.append(("Retry-After", str(seconds)))
            return resp
        return self.answers.error(int(rule.get("status", 500)))

    def corrupt(self, resp: Response) -> Response:
        """The real answer cut in half: JSON that does not parse."""
        cut = resp.body[: max(1, len(resp.body) // 2)]
        resp.body = cut + (b"\x00" if len(cut) < 2 else b"")
        resp.content_type = "application/json"
        return resp

    def hang(self, handler, stop: threading.Event) -> None:
        stop.wait(float((self.rule or {}).get("seconds", 30)))
        handler.close_connection = True

    @staticmethod
    def drop(handler) -> None:
        """Reset the connection: no status line, no body."""
        try:
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        except OSError:
            pass
        handler.close_connection = True


class Faults:
    def __init__(self, site, answers) -> None:
        self.site = site
        self.answers = answers
        self.rules: list[dict] = []
        self._lock = threading.Lock()
        self._random = random.Random(0)
        self.stopping = threading.Event()

    def set(self, rules: list[dict]) -> None:
        checked = [_check(r) for r in rules or []]
        with self._lock:
            self.rules = checked
        closed = next(
            (r for r in checked if r["kind"] == "refuse" and r.get("mode") == "closed"), None
        )
        listener = getattr(self.site, "listener", None)
        if listener is None:
            return
        if closed is not None and listener.listening:
            # Let the control answer leave first; then the port refuses connections.
            threading.Timer(0.05, listener.stop).start()
            if closed.get("seconds"):
                listener.restart_later(0.05 + float(closed["seconds"]))
        elif closed is None and not listener.listening:
            listener.start()

    def state(self) -> dict:
        listener = getattr(self.site, "listener", None)
        return {
            "faults": [dict(r) for r in self.rules],
            "listening": listener.listening if listener else True,
        }

    @staticmethod
    def _matches(rule: dict, req: Request) -> bool:
        paths = rule.get("paths") or ([rule["path"]] if rule.get("path") else [])
        if paths and not any(req.path.startswith(p) for p in paths):
            return False
        methods = rule.get("methods")
        return not methods or req.method.upper() in [m.upper() for m in methods]

    def pick(self, req: Request) -> Decision | None:
        """What happens to this request: added latency and at most one fault."""
        delay, chosen = 0.0, None
        with self._lock:
            for rule in self.rules:
                if not self._matches(rule, req) or rule.get("count", 1) <= 0:
                    continue
                if self._random.random() >= float(rule.get("rate", 1.0)):
                    continue
                if rule["kind"] == "latency":
                    delay += float(rule.get("ms", rule.get("latency_ms", 0)))
                elif chosen is None:
                    chosen = rule
                else:
                    continue
                if "count" in rule:
                    rule["count"] -= 1
        if chosen is None and delay <= 0:
            return None
        return Decision(chosen["kind"] if chosen else None, chosen, delay, self.answers)
