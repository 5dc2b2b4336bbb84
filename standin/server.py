"""HTTP servers: one ThreadingHTTPServer per site on its own port, and an admin
server that reaches every site's control API even while a site refuses
connections (the `refuse` fault closes the site's listening socket)."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from standin.frappe import control
from standin.frappe.routes import dispatch
from standin.httpio import Request, Response, json_response

CONTROL_PREFIX = "/_standin"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin"

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
        return Request(self.command, path, query, headers, body, self.client_address[0])

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


def _safe_dispatch(site, req: Request) -> Response:
    """A bug in the stand-in answers 500 with its traceback instead of hanging up."""
    try:
        return dispatch(site, req)
    except Exception as exc:
        text = traceback.format_exc()
        sys.stderr.write(f"standin: {site.name}: {req.method} {req.path}\n{text}")
        return json_response(
            {
                "exception": f"{type(exc).__name__}: {exc}",
                "exc_type": type(exc).__name__,
                "exc": json.dumps([text]),
            },
            500,
        )


class SiteHandler(_Handler):
    def serve(self) -> None:
        site = self.server.site
        started = time.perf_counter()
        req = self._request()
        if req.path == CONTROL_PREFIX or req.path.startswith(CONTROL_PREFIX + "/"):
            self.send(control.handle(site, req, req.path[len(CONTROL_PREFIX) :]))
            return
        fault = site.faults.pick(req)
        resp = None
        if fault is not None:
            fault.delay()
            if fault.kind in ("timeout", "refuse"):
                # No answer at all; logged now, while the client is still waiting.
                site.log.add(
                    method=req.method,
                    path=req.path,
                    query=req.query_string,
                    status=0,
                    duration_ms=(time.perf_counter() - started) * 1000,
                    user=None,
                    auth="",
                    fault=fault.label,
                )
                if fault.kind == "timeout":
                    fault.hang(self, site.faults.stopping)
                else:
                    fault.drop(self)
                return
            if fault.replaces:
                resp = fault.response(req)
        cost = 0.0
        if resp is None:
            making = time.perf_counter()
            resp = _safe_dispatch(site, req)
            # What a real site would have spent on this answer (off unless switched on); a
            # sleep in this request's thread, on top of any latency fault.
            cost = site.cost.apply(req, resp, spent=time.perf_counter() - making)
            if fault is not None and fault.kind == "invalid_json":
                resp = fault.corrupt(resp)
        # Logged before the answer leaves: a test that reads the log right after its
        # call must find the entry.
        site.log.add(
            method=req.method,
            path=req.path,
            query=req.query_string,
            status=resp.status,
            duration_ms=(time.perf_counter() - started) * 1000,
            user=getattr(req.user, "name", None),
            auth=req.auth_kind,
            fault=fault.label if fault is not None else None,
            cost_ms=cost * 1000,
        )
        self.send(resp)


class AdminHandler(_Handler):
    def serve(self) -> None:
        req = self._request()
        sites = self.server.sites
        path = req.path
        prefix = CONTROL_PREFIX + "/sites"
        if path in (prefix, prefix + "/"):
            self.send(
                json_response(
                    {
                        "sites": [
                            {"name": s.name, "url": s.url, "flavour": s.flavour.name}
                            for s in sites.values()
                        ]
                    }
                )
            )
            return
        if path.startswith(prefix + "/"):
            name, _, rest = path[len(prefix) + 1 :].partition("/")
            site = sites.get(unquote(name))
            if site is not None:
                self.send(control.handle(site, req, "/" + rest))
                return
        self.send(json_response({"error": f"no such admin path {path}"}, 404))


class SiteServer:
    """Serves one site; can stop listening (connection refused) and listen again."""

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
            httpd = _Server((self.host, self.port), SiteHandler)
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
    def __init__(self, sites: dict, host: str, port: int) -> None:
        self.httpd = _Server((host, port), AdminHandler)
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
