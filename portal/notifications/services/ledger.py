"""The delivery ledger once rows are written (services/deliveries.py writes them, before anything
is sent): enqueueing, claims, outcomes, the sweeper, replays and retention. Every state change
is a conditional update, so two workers (or a worker and the sweeper) never both act on one row.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from portal import clock
from portal.notifications.models import (
    Channel,
    Delivery,
    DeliveryItem,
    InboundWebhook,
    ReminderState,
    ScanRun,
    WatchedTask,
)
from portal.notifications.selectors import watched_open

log = logging.getLogger(__name__)
Status = Delivery.Status


def deliveries_enqueue(*, delivery_ids: list[int]) -> None:
    """Hands deliveries to the broker. A failure here loses nothing: the sweeper requeues what
    stays pending."""
    from portal.notifications.tasks import send_delivery

    for delivery_id in delivery_ids:
        try:
            send_delivery.apply_async(args=[delivery_id], queue=settings.NOTIFY_QUEUE)
        except Exception:  # broker down: the sweeper will requeue
            log.warning("could not enqueue delivery %s; the sweeper will", delivery_id)
            return


# --- claims and outcomes -------------------------------------------------------------------------


def delivery_claim(*, delivery_id: int, token: str, worker: str = "") -> bool:
    now = clock.now()
    return (
        Delivery.objects.filter(
            pk=delivery_id, status__in=[Status.PENDING, Status.RETRY], send_after__lte=now
        ).update(
            status=Status.CLAIMED,
            claim_token=token,
            claimed_at=now,
            claim_expires_at=now + timedelta(seconds=settings.NOTIFY_CLAIM_SECONDS),
            worker=worker[:200],
            attempts=F("attempts") + 1,  # every claim counts, a killed worker's too
        )
        == 1
    )


def delivery_mark_sending(*, delivery_id: int, token: str) -> bool:
    """The point of no return: from here a lost worker means "outcome unknown"."""
    return (
        Delivery.objects.filter(pk=delivery_id, claim_token=token, status=Status.CLAIMED).update(
            status=Status.SENDING, sending_at=clock.now()
        )
        == 1
    )


def _ours(delivery_id: int, token: str, *statuses: str):
    return Delivery.objects.filter(pk=delivery_id, claim_token=token, status__in=statuses)


def delivery_mark_sent(*, delivery_id: int, token: str, channel: Channel | None) -> bool:
    now = clock.now()
    # UNKNOWN too: a slow worker whose claim the sweeper gave up on still knows the truth.
    done = _ours(delivery_id, token, Status.SENDING, Status.UNKNOWN).update(
        status=Status.SENT, sent_at=now
    )
    if done and channel is not None:
        Channel.objects.filter(pk=channel.pk).update(
            last_success_at=now, broken_at=None, broken_reason=""
        )
    return done == 1


def delivery_mark_obsolete(*, delivery_id: int, token: str, reason: str) -> None:
    _ours(delivery_id, token, Status.CLAIMED).update(
        status=Status.OBSOLETE, last_error=reason[:2000], last_error_at=clock.now()
    )


def delivery_mark_failed(
    *,
    delivery_id: int,
    token: str,
    error: str,
    permanent: bool,
    retry_in: float | None,
    breaks: bool = False,
    unknown: bool = False,
) -> str:
    """Books a failure; returns the new status. Transient failures go back to wait for a retry
    until NOTIFY_MAX_ATTEMPTS is reached."""
    now = clock.now()
    attempts = Delivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first()
    attempts = attempts or 0
    if unknown:
        status = Status.UNKNOWN
    elif permanent:
        status = Status.FAILED
    elif attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        status = Status.FAILED
        error = f"Gave up after {attempts} attempts. Last error: {error}"
    else:
        status = Status.RETRY
    fields = {
        "status": status,
        "last_error": error[:2000],
        "last_error_at": now,
        "enqueued_at": None,
    }
    if status == Status.RETRY:
        fields["send_after"] = now + timedelta(seconds=retry_in or 0)
    updated = _ours(delivery_id, token, Status.CLAIMED, Status.SENDING, Status.UNKNOWN).update(
        **fields
    )
    channel_id = Delivery.objects.filter(pk=delivery_id).values_list("channel_id", flat=True)
    if updated:
        changes = {"last_error": error[:2000], "last_error_at": now}
        if breaks:
            changes.update(broken_at=now, broken_reason=error[:2000])
        Channel.objects.filter(pk__in=channel_id).update(**changes)
    return status


# --- the sweeper ---------------------------------------------------------------------------


def ledger_sweep() -> dict[str, int]:
    """Periodic: requeues what no worker holds, and gives up on claims that outlived their
    lease. Brokers do not redeliver a killed worker's message promptly (../shared/NOTES.md)."""
    now = clock.now()
    lease = timedelta(seconds=settings.NOTIFY_CLAIM_SECONDS)
    # Claimed but never started sending: nothing went out, so it is safe to send again.
    released = Delivery.objects.filter(status=Status.CLAIMED, claim_expires_at__lt=now).update(
        status=Status.PENDING, claim_token="", enqueued_at=None
    )
    # Sending when the worker vanished: the channel may have accepted it. A person decides.
    unknown = Delivery.objects.filter(status=Status.SENDING, claim_expires_at__lt=now).update(
        status=Status.UNKNOWN,
        last_error="The worker stopped while sending: the message may or may not have gone out.",
        last_error_at=now,
    )
    # Due and not in anyone's hands: never enqueued, enqueued long ago and lost, or retrying.
    due = Delivery.objects.filter(
        status__in=[Status.PENDING, Status.RETRY], send_after__lte=now
    ).filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - lease))
    ids = list(due.order_by("send_after").values_list("pk", flat=True)[:5000])
    if ids:
        Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
        deliveries_enqueue(delivery_ids=ids)
    return {"released": released, "unknown": unknown, "enqueued": len(ids)}


def delivery_replay(*, delivery: Delivery) -> bool:
    """A person asked to send it again: same row, same idempotency key."""
    now = clock.now()
    updated = Delivery.objects.filter(
        pk=delivery.pk, status__in=[Status.FAILED, Status.UNKNOWN, Status.OBSOLETE]
    ).update(
        status=Status.PENDING,
        send_after=now,
        attempts=0,
        claim_token="",
        enqueued_at=now,
        replays=delivery.replays + 1,
    )
    if updated:
        transaction.on_commit(lambda: deliveries_enqueue(delivery_ids=[delivery.pk]))
    return updated == 1


def deliveries_obsolete_for_task(*, site_id: int, task_id: str) -> int:
    """Pending deliveries about a task now finished, covering nothing else open, are not sent
    (the check at send time would skip them anyway; this keeps the log honest at once)."""
    now = clock.now()
    candidate_ids = DeliveryItem.objects.filter(
        site_id=site_id,
        task_id=task_id,
        delivery__status__in=[Status.PENDING, Status.RETRY],
    ).values_list("delivery_id", flat=True)
    obsolete = 0
    for delivery in Delivery.objects.filter(pk__in=list(candidate_ids)):
        pairs = delivery.items.values_list("site_id", "task_id")
        if not watched_open(pairs):
            obsolete += Delivery.objects.filter(
                pk=delivery.pk, status__in=[Status.PENDING, Status.RETRY]
            ).update(
                status=Status.OBSOLETE,
                last_error="The task was finished before the reminder was sent.",
                last_error_at=now,
            )
    return obsolete


def ledger_purge() -> dict[str, int]:
    """Retention: finished deliveries, runs and inbound records older than
    NOTIFY_RETENTION_DAYS; reminder state of tasks no longer watched."""
    cutoff = clock.now() - timedelta(days=settings.NOTIFY_RETENTION_DAYS)
    finished = [Status.SENT, Status.FAILED, Status.OBSOLETE, Status.UNKNOWN]
    deliveries, _ = Delivery.objects.filter(status__in=finished, created_at__lt=cutoff).delete()
    runs, _ = ScanRun.objects.filter(started_at__lt=cutoff).delete()
    inbound, _ = InboundWebhook.objects.filter(received_at__lt=cutoff).delete()
    watched = WatchedTask.objects.values_list("site_id", "task_id")
    stale = ReminderState.objects.filter(
        Q(last_at__lt=cutoff) | Q(last_at__isnull=True, escalated_at__lt=cutoff)
    )
    live = set(watched)
    stale_ids = [s.pk for s in stale.only("pk", "site_id", "task_id")
                 if (s.site_id, s.task_id) not in live]  # fmt: skip
    states, _ = ReminderState.objects.filter(pk__in=stale_ids).delete()
    return {"deliveries": deliveries, "runs": runs, "inbound": inbound, "states": states}
