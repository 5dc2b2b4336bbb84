"""The Frappe stand-in's request handlers: a site's own port (control API, faults, the
cost model, the request log, then Frappe's routes) and the admin port that reaches every
site's control API (`/_standin/sites/<name>/...`)."""

from __future__ import annotations

import json
import sys
import time
import traceback
from urllib.parse import unquote

from standin import server
from standin.frappe import control
from standin.frappe.httpio import Request
from standin.frappe.routes import dispatch
from standin.httpio import Response, json_response
from standin.server import _Handler

CONTROL_PREFIX = "/_standin"


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
    request_class = Request

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
    request_class = Request

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


class SiteServer(server.SiteServer):
    handler = SiteHandler


class AdminServer(server.AdminServer):
    handler = AdminHandler
