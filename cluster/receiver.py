"""A signed-webhook receiver that counts what arrives: every request's Idempotency-Key, whether
its signature holds, and which address sent it. It holds each answer for a moment, so that the
worker sending it is busy when the check kills it (the request has arrived; its answer never
reaches the dead worker, which is how an "outcome unknown" happens in real life)."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Arrival:
    key: str
    signed: bool
    peer: str
    at: float


class Receiver:
    def __init__(self, *, host: str, secret: str, hold_seconds: float) -> None:
        self.secret = secret
        self.hold_seconds = hold_seconds
        self.arrivals: list[Arrival] = []
        self.first = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def keys(self) -> list[str]:
        with self._lock:
            return [arrival.key for arrival in self.arrivals]

    def _record(self, arrival: Arrival) -> None:
        with self._lock:
            self.arrivals.append(arrival)
        self.first.set()

    def _verify(self, timestamp: str, body: bytes, signature: str) -> bool:
        mac = hmac.new(self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= 300
        return fresh and hmac.compare_digest("sha256=" + mac.hexdigest(), signature)

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, MAX_BODY))
                signed = receiver._verify(
                    self.headers.get("X-Portal-Timestamp", ""),
                    body,
                    self.headers.get("X-Portal-Signature", ""),
                )
                key = self.headers.get("Idempotency-Key", "")
                receiver._record(Arrival(key, signed, self.client_address[0], time.monotonic()))
                time.sleep(receiver.hold_seconds)
                try:
                    self.send_response(200 if signed else 401)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender died while we held its answer

            def log_message(self, *args) -> None:
                pass

        return Handler
