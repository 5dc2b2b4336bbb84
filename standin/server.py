"""HTTP servers any emulated CRM uses: one ThreadingHTTPServer per site on its own
port, and an admin server that reaches every site's control API even while a site
refuses connections (the `refuse` fault closes the site's listening socket).

A CRM package brings its handlers (`standin.frappe.server`: subclasses naming them
in `handler`; `standin.djangocrm` builds on `_Server` and `_Handler` directly)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standin.httpio import Request, Response


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin"
    request_class: type[Request] = Request  # a CRM's handler may read more into its own

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        return  # the site's request log replaces stderr noise

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes: without TCP_NODELAY a keep-alive
        # client waits for a delayed ACK (about 40 ms) on every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _request(self) -> Request:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        return self.request_class(self.command, path, query, headers, body, self.client_address[0])

    def send(self, resp: Response) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for key, value in resp.headers:
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    def do_GET(self):
        self.serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET


class SiteServer:
    """Serves one site; can stop listening (connection refused) and listen again.
    A subclass names the request handler in `handler`."""

    handler: type[_Handler]

    def __init__(self, site, host: str, port: int) -> None:
        self.site, self.host, self.port = site, host, port
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        site.listener = self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def listening(self) -> bool:
        return self._httpd is not None

    def start(self) -> None:
        with self._lock:
            if self._httpd is not None:
                return
            httpd = _Server((self.host, self.port), self.handler)
            httpd.site = self.site
            self.port = httpd.server_address[1]
            self.site.url = self.url
            self._httpd = httpd
            self._thread = threading.Thread(
                target=httpd.serve_forever, args=(0.05,), daemon=True, name=f"site-{self.site.name}"
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop listening: once this returns, connections are refused."""
        with self._lock:
            httpd = self._httpd
            if httpd is None:
                return
            httpd.shutdown()
            httpd.server_close()
            self._httpd = None

    def restart_later(self, seconds: float) -> None:
        timer = threading.Timer(seconds, self.start)
        timer.daemon = True
        timer.start()


class AdminServer:
    """Reaches every site's control API; a subclass names the handler in `handler`."""

    handler: type[_Handler]

    def __init__(self, sites: dict, host: str, port: int) -> None:
        self.httpd = _Server((host, port), self.handler)
        self.httpd.sites = sites
        self.host, self.port = host, self.httpd.server_address[1]
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.05,), daemon=True, name="standin-admin"
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0
