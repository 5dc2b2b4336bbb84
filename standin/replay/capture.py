"""A local HTTP receiver standing where the recorded capture URL
(`http://127.0.0.1:9999/hook`) was, to record the stand-in's webhook deliveries.

Each POST is kept with its headers (a dict, and `header_pairs` in the order and case
received) and its body (text, and `body_bytes` exactly). By default it answers 200, or
503 while `fail_next` lasts; `answer(path) -> status` decides the status instead (a
harness replaying what a recorded receiver answered)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        return

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        server = self.server
        with server.lock:
            failing = server.fail_next > 0
            if failing:
                server.fail_next -= 1
            status = 503 if failing else 200
            if server.answer is not None:
                status = server.answer(self.path)
                failing = not 200 <= status < 300
            server.received.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "header_pairs": list(self.headers.items()),
                    "body_raw": body.decode("utf-8", errors="replace"),
                    "body_bytes": body,
                    "failed": failing,
                    "status": status,
                }
            )
        reply = b'{"ok": false}' if failing else b'{"ok": true}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


class CaptureServer:
    """Records every POST; `fail_next = N` answers the next N with 503."""

    def __init__(self, host: str = "127.0.0.1", answer=None) -> None:
        self.httpd = ThreadingHTTPServer((host, 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.received = []
        self.httpd.fail_next = 0
        self.httpd.answer = answer  # path -> status, or None
        self.httpd.lock = threading.Lock()
        self.netloc = f"{host}:{self.httpd.server_address[1]}"
        self.url = f"http://{self.netloc}/hook"

    @property
    def received(self) -> list[dict]:
        with self.httpd.lock:
            return list(self.httpd.received)

    def fail_next(self, count: int) -> None:
        with self.httpd.lock:
            self.httpd.fail_next = count

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received

    def start(self) -> CaptureServer:
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
