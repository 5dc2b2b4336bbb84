"""Real servers on loopback for the notification tests: an SMTP server (aiosmtpd) and an HTTP
receiver that plays Slack (Web API and incoming webhooks) and generic webhook receivers.

Both record what they got. The SMTP server can answer the message, or QUIT, late or oddly; the
HTTP receiver answers from a script per path (status, headers, body, an optional hang that holds
the request until released, to catch a worker mid-send, or a reset after reading the request).
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- SMTP ----------------------------------------------------------------------------------------


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self):
        return message_from_bytes(self.raw, policy=policy.default)

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return part.get_content()
        return ""


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.box.refuse:
            return "550 5.1.1 No such user here"
        if address.lower() in self.box.defer:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.box.lock:
            self.box.mails.append(
                Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        if self.box.answer_data_after:  # the whole message is here; its answer comes late
            await asyncio.sleep(self.box.answer_data_after)
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        if self.box.answer_quit_after:
            await asyncio.sleep(self.box.answer_quit_after)
        return self.box.quit_reply


class Mailbox:
    """aiosmtpd on 127.0.0.1: every message received whole, addresses to refuse or defer, and
    how late (seconds) or how (a reply line) to answer the message and QUIT."""

    def __init__(self, *, tls_context=None) -> None:
        self.port = free_port()
        self.mails: list[Mail] = []
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self.answer_data_after = 0.0
        self.answer_quit_after = 0.0
        self.quit_reply = "221 Bye"
        self.lock = threading.Lock()
        self.controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, tls_context=tls_context
        )  # with a TLS context it offers STARTTLS

    def start(self) -> Mailbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[Mail]:
        with self.lock:
            return [m for m in self.mails if address.lower() in (a.lower() for a in m.rcpt_tos)]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Mail]:
        """At least ``count`` messages (a client that gave up waiting for the answer may return
        before this server has handled what it received)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if len(self.mails) >= count:
                    return list(self.mails)
            if time.monotonic() > deadline:
                raise AssertionError(f"fewer than {count} messages arrived")
            time.sleep(0.05)


# --- HTTP ---------------------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    @property
    def json(self):
        return json.loads(self.body.decode() or "null")

    @property
    def form(self) -> dict:
        """Query and body parameters: a form body, or a JSON object body (slack_sdk sends
        chat.postMessage as JSON, users.lookupByEmail as a form)."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        if "json" in self.headers.get("Content-Type", ""):
            body = self.json
            return {**query, **(body if isinstance(body, dict) else {})}
        query.update({k: v[0] for k, v in parse_qs(self.body.decode(errors="replace")).items()})
        return query

    @property
    def route(self) -> str:
        return urlsplit(self.path).path


@dataclass
class Reply:
    status: int = 200
    body: object = None  # dict → JSON, str/bytes as is
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # hold the request until Receiver.release()
    reset: bool = False  # read the whole request, then drop the connection (RST), no answer


def _default(route: str, received: Received) -> Reply:
    if route.endswith("/users.lookupByEmail"):
        email = received.form.get("email", "")
        return Reply(body={"ok": True, "user": {"id": f"U-{email}"}})
    if route.endswith("/chat.postMessage"):
        return Reply(body={"ok": True, "channel": received.form.get("channel", ""), "ts": "1.0"})
    if route.endswith("/auth.test"):
        return Reply(body={"ok": True})
    return Reply(body="ok")


class Receiver:
    """Records every request; answers from per-route scripts, else Slack-like defaults."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.scripts: dict[str, list[Reply]] = {}
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.arrived = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                received = Received("POST", self.path, dict(self.headers.items()), body)
                reply = receiver._record(received)
                if reply.hang:
                    receiver.released.wait(120)
                if reply.reset:
                    linger = struct.pack("ii", 1, 0)  # close at once with a reset
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    self.close_connection = True
                    self.connection.close()
                    return
                payload = reply.body
                if isinstance(payload, dict | list):
                    data = json.dumps(payload).encode()
                    content_type = "application/json"
                else:
                    data = payload.encode() if isinstance(payload, str) else (payload or b"")
                    content_type = "text/plain"
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client (a killed worker) is gone

            do_GET = do_POST  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _record(self, received: Received) -> Reply:
        with self.lock:
            self.requests.append(received)
            script = self.scripts.get(received.route)
            reply = script.pop(0) if script else _default(received.route, received)
            self.arrived.notify_all()
            return reply

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def script(self, route: str, *replies: Reply) -> None:
        """The next requests to ``route`` get these replies, in order; then the defaults."""
        with self.lock:
            self.scripts.setdefault(route, []).extend(replies)

    def release(self) -> None:
        self.released.set()

    def to(self, route: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.route == route]

    def wait_for(self, route: str, count: int = 1, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while len([r for r in self.requests if r.route == route]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{route}: fewer than {count} requests arrived")
                self.arrived.wait(left)
            return [r for r in self.requests if r.route == route]
