"""Gunicorn's settings for the portal: ``gunicorn portal.wsgi -c python:portal.ops.gunicorn_conf``.

Every place that starts gunicorn (``manage.py runstack``, the Dockerfile, docker-compose.yml and
the README) passes this module, so the access log is on and neither it nor the error log ever
prints a secret from a URL: gunicorn's access line holds the raw request line and the Referer,
which carry the OAuth callback's ``code`` and ``state`` (portal/ops/log_redaction.py).
Command-line options still override what is set here (workers, threads, bind).
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from portal.ops.log_redaction import REDACTED, RedactSecrets, redact

accesslog = "-"  # to stdout, beside the error log on stderr

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
        for log in (self.error_log, self.access_log):
            if not any(isinstance(existing, RedactSecrets) for existing in log.filters):
                log.addFilter(RedactSecrets())


logger_class = RedactingLogger
