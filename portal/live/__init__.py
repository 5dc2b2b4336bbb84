"""Live updates: open task pages learn within seconds that a task changed, without a reload.

Who publishes: every place that changes a task or learns that one changed calls one function of
``portal.live.events`` (``task_changed`` / ``tasks_changed``): the portal's own writes
(``tasks_ui.services.writes``, used by pages, bulk jobs and the API), inbound site webhooks
and reminder action links (``notifications.services``), and the reminder scan when it finds a
watched task finished or changed on a site without webhooks. Publishing happens after the
caller's transaction commits and never fails the caller: a change the browser is not told of
is still there on the next load.

What travels: ids only, never task data. A browser that hears of a change reads the task again
through the normal, access-checked views (a row, the task page's summary).

The stream (``GET /live/events/``, ``portal.live.views``) is server-sent events, read by htmx's
SSE extension (vendored under ``portal/static/vendor/htmx-ext-sse/``). For each change it sends
two events, both with ``data: {"site": <site id>, "task": "<task id>", "kind": "<kind>"}``:

- ``task-<site id>-<task id>``: for elements showing that one task, e.g.
  ``hx-trigger="sse:task-3-TASK-0042"`` (inbox and filter rows, the task page's summary; the
  board's ``card-<site>-<task>`` and the calendar's ``cal-<site>-<task>`` can listen the same
  way). Task ids are limited to ``[A-Za-z0-9_.-]`` (``portal.task_ids``), so names are safe.
- ``task-changed``: any change on a site the person may see, for regions that may gain a task
  (a board column, a calendar day, a count bar): debounce it (``delay:2s``).

``kind`` is ``changed``, ``created`` or ``deleted``. A person receives events only for the sites
``site_list_for_user`` gives them when the stream opens; a stream lives a few minutes
(``LIVE_STREAM_SECONDS``), so a grant taken away stops its events by the next reconnect, and a
comment line every ``LIVE_HEARTBEAT_SECONDS`` keeps proxies from closing a quiet stream and
lets the server notice a browser that left.

Transports, chosen by configuration (``portal.live.hub``):

- With ``REDIS_URL``: Redis pub/sub on one channel. Any process (web, Celery worker) publishes;
  every web process subscribes once, whichever of them took the write, so a cluster behind a
  load balancer works without sticky sessions.
- Without (the embedded default: SQLite, no Redis): a small table, ``LiveEvent``, that every
  web process polls every ``LIVE_POLL_SECONDS``. ``manage.py runstack`` starts two gunicorn
  worker processes plus a Celery worker, and a change taken by any of them must reach browsers
  connected to the others, so nothing in-process would do. The alternatives were worse: a
  file the processes append to needs locking and truncation of its own, and a socket between
  processes needs one process to own it. The database is already shared by exactly the
  processes that need it, committed rows are the events (rolled-back writes publish nothing),
  and ids give the order. The table keeps only its newest rows (``events.KEEP``).

Either way, each web process has one listener (a thread, a greenlet under gunicorn's gevent
workers) that fans events out to its open streams; it starts with the first stream and stops
with the last, and it closes its database connection after every poll, so an idle stream holds
neither a database connection nor a poll of its own. Events are not replayed: a browser that
was away (a reconnect takes about two seconds) shows what it loads next.
"""
