"""``GET /live/events/``: the person's stream of task changes (server-sent events).

Which sites: those ``site_list_for_user`` gives when the stream opens; a stream ends after
``LIVE_STREAM_SECONDS`` and the browser's EventSource opens a new one (``retry:``), which asks
again. Before waiting, the stream gives back its database connection: under gunicorn's gevent
workers a quiet stream costs a greenlet and a socket, nothing else.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from portal.live.hub import Event, connection_release, hub
from portal.sites.access import site_list_for_user

log = logging.getLogger(__name__)

# How long a browser waits before opening the stream again after it ended (EventSource's
# ``retry``), and after the listener could not start (Redis down, say).
RECONNECT_MS = 2000
RECONNECT_AFTER_FAILURE_MS = 15000


@require_GET
def events(request: HttpRequest) -> HttpResponse:
    # No redirect to the login page: an EventSource cannot follow it anywhere useful.
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    site_ids = frozenset(site_list_for_user(user=request.user).values_list("pk", flat=True))
    response = StreamingHttpResponse(
        event_stream(
            site_ids=site_ids,
            lifetime=settings.LIVE_STREAM_SECONDS,
            heartbeat=settings.LIVE_HEARTBEAT_SECONDS,
        ),
        content_type="text/event-stream; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx and others: pass each event on at once
    return response


def event_text(event: Event) -> str:
    data = event.as_json()
    return (
        f"event: task-{event.site_id}-{event.task_id}\ndata: {data}\n\n"
        f"event: task-changed\ndata: {data}\n\n"
    )


def event_stream(*, site_ids: frozenset[int], lifetime: float, heartbeat: float):
    connection_release()
    try:
        subscription = hub().subscribe()
    except Exception as error:  # noqa: BLE001 - the page works without; the browser retries
        log.warning("live: could not listen for changes (%s)", error)
        yield f"retry: {RECONNECT_AFTER_FAILURE_MS}\n\n"
        return
    try:
        # The retry delay, and a first line so that proxies and the browser see the stream open.
        yield f"retry: {RECONNECT_MS}\n: open\n\n"
        deadline = time.monotonic() + lifetime
        while (left := deadline - time.monotonic()) > 0:
            event = subscription.get(timeout=min(heartbeat, left))
            if event is None:
                yield ": keep-alive\n\n"
            elif event.site_id in site_ids:
                yield event_text(event)
    finally:
        subscription.close()
