"""Health of the running stack: database, broker and the scheduler → worker heartbeat."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import F

from portal import clock
from portal.ops.models import Heartbeat


def heartbeat_record(*, worker: str, at: datetime | None = None) -> Heartbeat:
    """Called by the heartbeat task inside a worker."""
    at = at or clock.now()
    updated = Heartbeat.objects.filter(worker=worker).update(beat_at=at, runs=F("runs") + 1)
    if not updated:
        Heartbeat.objects.get_or_create(worker=worker, defaults={"beat_at": at, "runs": 1})
    return Heartbeat.objects.get(worker=worker)


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "down"; the message says which
        return {"ok": False, "error": type(error).__name__ + ": " + str(error)[:200]}
    return {"ok": True, "engine": connection.vendor}


def check_broker() -> dict:
    from portal.celery import app

    kind = "embedded" if settings.CELERY_BROKER_IS_EMBEDDED else "redis"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # kombu raises many types; all mean the broker is unreachable
        return {"ok": False, "kind": kind, "error": type(error).__name__ + ": " + str(error)[:200]}
    return {"ok": True, "kind": kind}


def check_heartbeat() -> dict:
    """Fresh means the newest beat is younger than three intervals."""
    latest = Heartbeat.objects.order_by("-beat_at").first()
    interval = settings.HEARTBEAT_INTERVAL_SECONDS
    if latest is None:
        return {"ok": False, "fresh": False, "last": None, "interval_seconds": interval}
    age = (clock.now() - latest.beat_at).total_seconds()
    fresh = age <= 3 * interval
    return {
        "ok": fresh,
        "fresh": fresh,
        "last": latest.beat_at.isoformat(),
        "age_seconds": round(age, 1),
        "worker": latest.worker,
        "runs": latest.runs,
        "interval_seconds": interval,
    }


def health_report() -> dict:
    database = check_database()
    report = {"database": database, "broker": check_broker()}
    report["heartbeat"] = check_heartbeat() if database["ok"] else {"ok": False, "fresh": False}
    # The web process is healthy when it can reach its database and broker; a stale heartbeat
    # means the worker or beat is down, which /healthz?strict=1 turns into a failure.
    report["ok"] = database["ok"] and report["broker"]["ok"]
    return report
