"""Celery is wired as the issue asks: JSON only, explicit limits, autodiscovery, a heartbeat."""

import pytest

from portal.celery import app


def test_it_accepts_and_sends_json_only():
    app.loader.import_default_modules()
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"


def test_it_sets_explicit_time_limits():
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_it_discovers_tasks_of_installed_apps_and_schedules_the_heartbeat():
    app.loader.import_default_modules()
    app.finalize()
    assert "portal.ops.tasks.heartbeat" in app.tasks
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "portal.ops.tasks.heartbeat" in scheduled


def test_the_embedded_broker_needs_no_server(settings):
    # With no REDIS_URL (the default of a bare checkout) the broker is a folder.
    if not settings.REDIS_URL:
        assert settings.CELERY_BROKER_URL == "filesystem://"


def test_beat_sweeps_bulk_jobs_every_minute_and_purges_them_daily(settings):
    app.loader.import_default_modules()
    app.finalize()
    assert "portal.tasks_ui.tasks.bulk_site" in app.tasks
    entries = {entry["task"]: entry for entry in app.conf.beat_schedule.values()}
    sweep = entries["portal.tasks_ui.tasks.bulk_sweep"]
    assert sweep["schedule"] == 60
    assert sweep["options"]["queue"] == settings.INBOX_BULK_QUEUE
    assert "portal.tasks_ui.tasks.bulk_purge" in entries


def test_the_embedded_broker_polls_often_enough_for_ten_messages_a_second(settings):
    # kombu's default is 1 s; tests/integration/test_embedded_broker.py measures the effect.
    if settings.REDIS_URL:
        pytest.skip("Redis is the broker here")
    interval = settings.CELERY_BROKER_TRANSPORT_OPTIONS["polling_interval"]
    assert interval <= 0.1
    with app.connection_for_read() as connection:
        assert connection.transport.polling_interval == interval


def test_the_embedded_broker_never_shows_a_consumer_a_message_still_being_written(settings):
    # A worker that read a message file before its writer had filled it stopped with a
    # JSONDecodeError (celery/kombu#1551). Here a consumer looks exactly then.
    import sys
    import uuid
    from queue import Empty

    if settings.REDIS_URL:
        pytest.skip("Redis is the broker here")
    queue = f"unit-{uuid.uuid4().hex[:8]}"
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        module = sys.modules[type(channel)._put.__module__]
        real_dumps = module.dumps
        seen = []

        def dumps_while_a_consumer_looks(payload):
            try:
                seen.append(channel._get(queue))
            except Exception as error:  # noqa: BLE001 - what the consumer met is the finding
                seen.append(error)
            return real_dumps(payload)

        module.dumps = dumps_while_a_consumer_looks
        try:
            channel._put(queue, {"body": "hello"})
        finally:
            module.dumps = real_dumps
        assert len(seen) == 1 and isinstance(seen[0], Empty), seen
        assert channel._get(queue) == {"body": "hello"}
