"""The stream of task changes (/live/events/) end to end: a change published by whoever made
it reaches the streams of people who may see its site, and only theirs, over the embedded
transport (the table every web process polls; a publish from another process too) and over
Redis pub/sub; a stream ends by itself, sends keep-alives, and holds no listener after."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from django.db import connection

from portal.live import hub as live_hub
from portal.live.events import task_changed
from portal.live.models import LiveEvent
from portal.sites.models import SiteGrant
from tests.integration.conftest import ROOT, current_database_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def short_streams(settings):
    settings.LIVE_STREAM_SECONDS = 2.5
    settings.LIVE_HEARTBEAT_SECONDS = 0.4
    settings.LIVE_POLL_SECONDS = 0.1
    settings.REDIS_URL = None


@pytest.fixture
def redis_path(settings):
    """Redis at 127.0.0.1:6379, database 12 and a channel of this test's own."""
    import redis

    url = os.environ.get("LIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {url}: {error}")
    settings.REDIS_URL = url
    settings.LIVE_REDIS_CHANNEL = f"portal:live:test:{uuid.uuid4().hex}"


def listen(client, user) -> dict:
    """Reads one whole stream as ``user`` in a thread; ``result["text"]`` when it ends."""
    result: dict = {}

    def run():
        try:
            client.force_login(user)
            response = client.get("/live/events/")
            result["response"] = response
            result["text"] = b"".join(response.streaming_content).decode()
        finally:
            connection.close()

    result["thread"] = threading.Thread(target=run)
    result["thread"].start()
    return result


def wait_for_listeners(count: int) -> None:
    deadline = time.monotonic() + 5
    while live_hub.hub().subscriber_count < count:
        assert time.monotonic() < deadline, "the streams never subscribed"
        time.sleep(0.02)


def finished(*streams) -> None:
    for stream in streams:
        stream["thread"].join(timeout=10)
        assert not stream["thread"].is_alive(), "the stream did not end by itself"


def test_a_change_reaches_a_granted_person_and_nobody_else(
    client_factory, member, outsider, site_a, site_b
):
    mine, theirs = listen(client_factory(), member), listen(client_factory(), outsider)
    wait_for_listeners(2)
    task_changed(site_a.pk, "TASK-0042")
    task_changed(site_b.pk, "TASK-0007", kind="deleted")  # member has no grant on site B
    finished(mine, theirs)
    assert mine["response"]["Content-Type"].startswith("text/event-stream")
    assert mine["response"]["Cache-Control"] == "no-cache, no-store"
    data = f'{{"site": {site_a.pk}, "task": "TASK-0042", "kind": "changed"}}'
    assert f"event: task-{site_a.pk}-TASK-0042\ndata: {data}\n\n" in mine["text"]
    assert f"event: task-changed\ndata: {data}\n\n" in mine["text"]
    assert f"task-{site_b.pk}-" not in mine["text"] and "TASK-0007" not in mine["text"]
    assert "event:" not in theirs["text"] and "data:" not in theirs["text"]
    assert ": keep-alive" in theirs["text"]  # the outsider's stream was open all along


def test_a_grant_given_later_counts_from_the_next_stream(client_factory, outsider, site_a):
    first = listen(client_factory(), outsider)
    wait_for_listeners(1)
    SiteGrant.objects.create(site=site_a, user=outsider)
    task_changed(site_a.pk, "T1")
    finished(first)
    assert "event:" not in first["text"]
    second = listen(client_factory(), outsider)
    wait_for_listeners(1)
    task_changed(site_a.pk, "T2")
    finished(second)
    assert f"event: task-{site_a.pk}-T2\n" in second["text"]


def test_a_change_written_by_another_process_reaches_the_stream(client_factory, member, site_a):
    """The embedded transport across processes, as runstack's two web workers and its Celery
    worker are: the publish runs in a separate Python process on the same database."""
    stream = listen(client_factory(), member)
    wait_for_listeners(1)
    code = (
        "from portal.live.events import task_changed; "
        f"task_changed({site_a.pk}, 'FROM-ELSEWHERE', kind='created')"
    )
    env = {**os.environ, "DATABASE_URL": current_database_url(), "PORTAL_DATA_DIR": "var/test"}
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    finished(stream)
    assert f"event: task-{site_a.pk}-FROM-ELSEWHERE\n" in stream["text"]
    assert '"kind": "created"' in stream["text"]


def test_redis_carries_the_change_to_the_stream(redis_path, client_factory, member, site_a, site_b):
    mine = listen(client_factory(), member)
    wait_for_listeners(1)
    task_changed(site_a.pk, "VIA-REDIS")
    task_changed(site_b.pk, "NOT-YOURS")
    finished(mine)
    assert f"event: task-{site_a.pk}-VIA-REDIS\n" in mine["text"]
    assert "NOT-YOURS" not in mine["text"]
    assert not LiveEvent.objects.exists()  # Redis, not the table


def test_a_stream_ends_by_itself_and_leaves_no_listener(client, member, settings):
    settings.LIVE_STREAM_SECONDS = 1
    client.force_login(member)
    started = time.monotonic()
    response = client.get("/live/events/")
    text = b"".join(response.streaming_content).decode()
    assert time.monotonic() - started < 4
    assert text.startswith("retry: 2000\n")
    assert text.count(": keep-alive") >= 2
    deadline = time.monotonic() + 3
    while live_hub.hub()._running:  # the listener stops with its last stream
        assert time.monotonic() < deadline, "the listener outlived its streams"
        time.sleep(0.05)


def test_the_stream_is_for_logged_in_people_only(client):
    assert client.get("/live/events/").status_code == 403
    assert client.post("/live/events/").status_code in (403, 405)


def test_only_ids_of_the_portal_shape_are_published(member, site_a):
    task_changed(site_a.pk, "bad id\nevent: x")
    task_changed(site_a.pk, "GOOD-1")
    assert list(LiveEvent.objects.values_list("task_id", flat=True)) == ["GOOD-1"]
    with pytest.raises(ValueError):
        task_changed(site_a.pk, "GOOD-2", kind="renamed")
