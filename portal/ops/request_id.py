"""One id per request, on every log line the request causes, also in the Celery tasks it queues.

The middleware takes a sane ``X-Request-ID`` from the caller (a proxy or load balancer that
already made one, so both logs can be joined) or makes one, keeps it in a context variable for
the rest of the request and echoes it in the response. ``RequestIdFilter`` puts it on every log
record (``request_id``; empty outside a request or task). A task published while a request id is
set carries it in its message headers (``before_task_publish``); the worker sets it again while
the task runs (``task_prerun``), so the task's log lines name the request that queued it, and
tasks that task queues carry it on.

Context variables are per thread and per gevent greenlet, so concurrent requests never see each
other's id. The id is cleared when the response is closed, after Django's and gunicorn's own
lines about the request (both written before that) have been logged with it.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar, Token

from django.core.signals import request_finished

HEADER = "X-Request-ID"
# Celery message header (a task's ``request`` exposes custom headers under their own name).
TASK_HEADER = "portal_request_id"
# What a caller's id may look like: short, and nothing a log reader could trip on.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")

_current: ContextVar[str] = ContextVar("request_id", default="")


def current() -> str:
    """The id of the request or task this code runs for, or ""."""
    return _current.get()


def activate(value: str) -> None:
    _current.set(value)


def deactivate(**_) -> None:
    _current.set("")


def accepted(incoming: str | None) -> str:
    """The caller's id when it is sane, else a new one."""
    if incoming and _SANE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in the chain, so every later middleware's log lines carry the id too."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted(request.headers.get(HEADER))
        request.request_id = request_id
        activate(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


request_finished.connect(deactivate, dispatch_uid="portal-request-id-clear")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: "-" outside a request or task."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current() or "-"
        return True


# --- Celery: carried in the message headers, restored around the task ---------------------------


def task_publishing(headers: dict | None = None, **_) -> None:
    """``before_task_publish``: the queuing code's request id travels with the message."""
    request_id = current()
    if request_id and headers is not None and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


def task_starting(task_id=None, task=None, **_) -> None:
    """``task_prerun``: the task runs under the id that queued it. A task run eagerly, in the
    queuing code's own thread, keeps that code's id; a message without one runs without."""
    request = getattr(task, "request", None)
    carried = getattr(request, TASK_HEADER, None)
    if carried is None:
        carried = (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    if carried is None and getattr(request, "is_eager", False):
        carried = current()
    value = carried if isinstance(carried, str) and _SANE.fullmatch(carried) else ""
    _tokens[task_id] = _current.set(value)


def task_finished(task_id=None, **_) -> None:
    """``task_postrun``: back to what was set before the task (nothing, in a worker)."""
    token = _tokens.pop(task_id, None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # set in another context (a pool that moved the task): just clear
            deactivate()


# Per running task: how to put the context variable back once it is done.
_tokens: dict[str, Token] = {}
