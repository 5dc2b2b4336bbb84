"""Gunicorn's settings for the portal: ``gunicorn portal.wsgi -c python:portal.ops.gunicorn_conf``.

Every place that starts gunicorn (``manage.py runstack``, the Dockerfile, docker-compose.yml and
the README) passes this module, so the access log is on and neither it nor the error log ever
prints a secret from a URL: gunicorn's access line holds the raw request line and the Referer,
which carry the OAuth callback's ``code`` and ``state`` (portal/ops/log_redaction.py).
Command-line options still override what is set here (workers, threads, bind).
"""

from __future__ import annotations

import os

from gunicorn.glogging import Logger

from portal.env import Env
from portal.ops.log_format import RedactedJsonFormatter
from portal.ops.log_redaction import REDACTED, RedactSecrets, redact
from portal.ops.request_id import RequestIdFilter

accesslog = "-"  # to stdout, beside the error log on stderr
# Gunicorn's default line, then the request id the portal answered with (X-Request-ID), so an
# access line and the portal's own lines about that request can be found together.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
)

# gevent workers: a request waiting on a slow or silent site holds a greenlet, not one of a few
# threads, so /healthz, logins and pages of other sites never queue behind it, and a page asks
# all its sites at once (portal/tasks_ui/fanout.py). Django, requests and psycopg 3 (from 3.1.14)
# all cooperate with gevent's monkey-patching, which the worker applies before loading the app.
worker_class = "gevent"
worker_connections = 1000
# Settings read this: a greenlet per request means no persistent database connections.
raw_env = ["PORTAL_GREEN_WEB=1"]


# Atoms of a custom access_log_format that hold a bare query string (no "?" for the filter to
# see) or a credential in a header.
_QUERY_ATOMS = ("q", "{query_string}e")
_SECRET_ATOMS = ("{authorization}i", "{proxy-authorization}i", "{cookie}i", "{set-cookie}o",
                 "{x-frappe-webhook-signature}i", "{x-slack-signature}i", "{http_authorization}e",
                 "{http_cookie}e", "{http_proxy_authorization}e")  # fmt: skip


class RedactingLogger(Logger):
    """Gunicorn's logger with a filter on its own two loggers (they do not propagate to the
    root logger, so Django's logging configuration never sees their lines)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in _QUERY_ATOMS:
            if atoms.get(name):
                atoms[name] = redact("?" + atoms[name])[1:]
        for name in _SECRET_ATOMS:
            if atoms.get(name):
                atoms[name] = REDACTED
        return atoms

    def setup(self, cfg):
        super().setup(cfg)
        as_json = Env().choice("LOG_FORMAT", ("text", "json"), "text") == "json"
        for log in (self.error_log, self.access_log):
            if not any(isinstance(existing, RedactSecrets) for existing in log.filters):
                log.addFilter(RedactSecrets())
            # The access line is written before the response is closed, so it still has the
            # id the request ran under (portal/ops/request_id.py).
            if not any(isinstance(existing, RequestIdFilter) for existing in log.filters):
                log.addFilter(RequestIdFilter())
            if as_json:
                for handler in log.handlers:
                    handler.setFormatter(RedactedJsonFormatter())


logger_class = RedactingLogger


def child_exit(server, worker):
    """A worker that exited leaves its counters for /metrics to keep adding up; only "live"
    gauges of its own would need removing (prometheus_client's multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        from portal.metrics import process_identifier_of

        multiprocess.mark_process_dead(process_identifier_of(worker.pid))
