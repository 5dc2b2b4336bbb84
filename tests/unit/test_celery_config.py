"""Celery is wired as the issue asks: JSON only, explicit limits, autodiscovery, a heartbeat."""

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
