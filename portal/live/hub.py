"""One listener per web process, fanning changes out to that process's open streams.

The transport is Redis pub/sub with ``REDIS_URL``, else the ``LiveEvent`` table polled (the
package docstring says why). ``hub()`` gives the hub for the current settings; its listener
runs while at least one stream is subscribed.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    site_id: int
    task_id: str
    kind: str

    def as_json(self) -> str:
        return json.dumps({"site": self.site_id, "task": self.task_id, "kind": self.kind})

    @classmethod
    def from_json(cls, text: str | bytes) -> Event:
        data = json.loads(text)
        return cls(site_id=int(data["site"]), task_id=str(data["task"]), kind=str(data["kind"]))


# --- transports ----------------------------------------------------------------------------


class TableTransport:
    """The ``LiveEvent`` table: rows are written by whoever changed a task, read by id."""

    key = ("table",)

    def publish(self, events: list[Event]) -> None:
        from portal.live.models import LiveEvent

        rows = LiveEvent.objects.bulk_create(
            LiveEvent(site_id=e.site_id, task_id=e.task_id, kind=e.kind) for e in events
        )
        newest = max((row.pk for row in rows if row.pk), default=None)
        if newest is None:  # a backend that does not return ids from a bulk insert
            newest = LiveEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        keep = settings.LIVE_TABLE_KEEP
        # Every so often, not on every change: one small delete per `keep` changes at most.
        if newest // keep != (newest - len(rows)) // keep:
            LiveEvent.objects.filter(pk__lte=newest - keep).delete()

    def listener(self) -> TableListener:
        return TableListener()


class TableListener:
    def __init__(self) -> None:
        from portal.live.models import LiveEvent

        self._model = LiveEvent
        newest = LiveEvent.objects.order_by("-pk").values_list("pk", flat=True)
        self.last = self._query(newest.first) or 0

    def _query(self, read):
        try:
            return read()
        finally:
            connection_release()

    def wait(self, timeout: float) -> list[Event]:
        time.sleep(timeout)
        rows = self._query(
            lambda: list(
                self._model.objects.filter(pk__gt=self.last)
                .order_by("pk")
                .values_list("pk", "site_id", "task_id", "kind")[:1000]
            )
        )
        if rows:
            self.last = rows[-1][0]
        return [Event(site_id=s, task_id=t, kind=k) for _pk, s, t, k in rows]

    def close(self) -> None:
        connection_release()


def connection_release() -> None:
    """Close this thread's database connection: never kept between polls or while a stream
    waits, since SQLite's locks and PostgreSQL's connection slots are for requests. Left open
    inside a transaction (a test's), which closing would end."""
    if not connection.in_atomic_block:
        connection.close()


_publishers: dict[str, object] = {}


class RedisTransport:
    """Redis pub/sub on ``LIVE_REDIS_CHANNEL``: no history, every subscriber hears each change."""

    def __init__(self, url: str, channel: str) -> None:
        self.url, self.channel = url, channel
        self.key = ("redis", url, channel)

    def _client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=2)

    def publish(self, events: list[Event]) -> None:
        # One client per process and URL: its pool serves every publish (a bulk job's many).
        client = _publishers.get(self.url)
        if client is None:
            client = _publishers.setdefault(self.url, self._client())
        with client.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.publish(self.channel, event.as_json())
            pipe.execute()

    def listener(self) -> RedisListener:
        return RedisListener(self._client(), self.channel)


class RedisListener:
    def __init__(self, client, channel: str) -> None:
        self.client = client
        self.pubsub = client.pubsub(ignore_subscribe_messages=False)
        self.pubsub.subscribe(channel)
        # Wait for Redis to confirm: a change published after this returns is heard.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            message = self.pubsub.get_message(timeout=deadline - time.monotonic())
            if message and message["type"] == "subscribe":
                break

    def wait(self, timeout: float) -> list[Event]:
        events = []
        message = self.pubsub.get_message(timeout=timeout)
        while message is not None:
            if message["type"] == "message":
                try:
                    events.append(Event.from_json(message["data"]))
                except (ValueError, KeyError, TypeError):
                    log.warning("live: ignored a malformed message on the channel")
            message = self.pubsub.get_message(timeout=0)
        return events

    def close(self) -> None:
        try:
            self.pubsub.close()
        finally:
            self.client.close()


def transport():
    if settings.REDIS_URL:
        return RedisTransport(settings.REDIS_URL, settings.LIVE_REDIS_CHANNEL)
    return TableTransport()


# --- the hub -------------------------------------------------------------------------------


class Subscription:
    """One stream's queue. A stream that cannot keep up loses changes rather than memory."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._queue: queue.Queue[Event] = queue.Queue(maxsize=500)

    def deliver(self, event: Event) -> None:
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            pass

    def get(self, timeout: float) -> Event | None:
        try:
            return self._queue.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None

    def close(self) -> None:
        self._hub.unsubscribe(self)


class Hub:
    def __init__(self, transport) -> None:
        self.transport = transport
        self._lock = threading.Lock()
        self._subscribers: set[Subscription] = set()
        self._running = False

    def subscribe(self) -> Subscription:
        subscription = Subscription(self)
        with self._lock:
            self._subscribers.add(subscription)
            if not self._running:
                # Opened here, not in the thread: whatever is published after subscribe()
                # returns reaches this subscriber.
                listener = self.transport.listener()
                self._running = True
                threading.Thread(
                    target=self._run, args=(listener,), name="live-listener", daemon=True
                ).start()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def _run(self, listener) -> None:
        try:
            while True:
                with self._lock:
                    if not self._subscribers:
                        self._running = False
                        return
                try:
                    events = listener.wait(settings.LIVE_POLL_SECONDS)
                except Exception as error:  # noqa: BLE001 - its streams wait on it: go on
                    log.warning("live: the listener could not read changes (%s)", error)
                    listener = self._reopen(listener)
                    continue
                with self._lock:
                    subscribers = list(self._subscribers)
                for event in events:
                    for subscription in subscribers:
                        subscription.deliver(event)
        finally:
            with self._lock:
                self._running = False
            _quietly(listener.close)

    def _reopen(self, listener):
        _quietly(listener.close)
        time.sleep(settings.LIVE_POLL_SECONDS)
        while True:
            with self._lock:
                if not self._subscribers:
                    return listener
            try:
                return self.transport.listener()
            except Exception as error:  # noqa: BLE001 - keep trying while streams are open
                log.warning("live: could not reopen the listener (%s)", error)
                time.sleep(min(5.0, settings.LIVE_POLL_SECONDS * 5))


def _quietly(call) -> None:
    try:
        call()
    except Exception:  # noqa: BLE001, S110 - closing something already broken
        pass


_hubs: dict[tuple, Hub] = {}
_hubs_lock = threading.Lock()


def hub() -> Hub:
    """This process's hub for the configured transport."""
    chosen = transport()
    with _hubs_lock:
        found = _hubs.get(chosen.key)
        if found is None:
            found = _hubs[chosen.key] = Hub(chosen)
        return found


def publish(events: Iterable[Event]) -> None:
    events = list(events)
    if events:
        transport().publish(events)
