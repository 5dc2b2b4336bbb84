"""Writing planned reminders into the ledger: delivery rows, the task steps they cover, and the
advanced reminder state, in the planner's transaction; the sends are enqueued on commit."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import transaction

from portal import clock
from portal.notifications.models import Delivery, DeliveryItem, ReminderState, ScanRun, step_label
from portal.notifications.services import ledger
from portal.notifications.services.bulk import rows_insert, rows_update
from portal.notifications.services.plan import (
    PlannedDelivery,
    StateKey,
    StateRow,
    states_load,
)

Status = Delivery.Status


def idempotency_key(planned: PlannedDelivery) -> str:
    """The same rule, channel, recipient and task steps always give the same key."""
    parts = [
        f"rule:{planned.rule.pk}",
        f"channel:{planned.recipient.channel.pk}",
        f"to:{planned.recipient.address}",
    ]
    parts += sorted(
        f"{i.task.site_id}/{i.task.task_id}/{i.episode}/{i.step}" for i in planned.items
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _summary(planned: PlannedDelivery) -> str:
    if len(planned.items) == 1:
        return step_label(planned.items[0].step)
    return f"{len(planned.items)} tasks"


def _held_digest(planned: PlannedDelivery, now: datetime) -> Delivery | None:
    """A digest still held for the same recipient: new steps join it rather than make the
    recipient wake up to two digests."""
    if planned.shape != Delivery.Shape.DIGEST or not planned.send_after:
        return None
    if planned.send_after <= now:
        return None
    return (
        Delivery.objects.filter(
            rule=planned.rule,
            channel=planned.recipient.channel,
            recipient=planned.recipient.address,
            shape=Delivery.Shape.DIGEST,
            status=Status.PENDING,
            send_after__gt=now,
        )
        .order_by("send_after")
        .first()
    )


def deliveries_create(
    *,
    planned: list[PlannedDelivery],
    run: ScanRun | None,
    now: datetime,
    states: dict[StateKey, StateRow] | None = None,
) -> list[int]:
    """Writes the planned deliveries, their items and the advanced reminder state; enqueues the
    ones not held once the transaction commits. Call inside a transaction."""
    created_at = clock.now()
    new_rows: list[tuple[Delivery, PlannedDelivery]] = []
    items: list[DeliveryItem] = []
    for one in planned:
        target = _held_digest(one, now)
        if target is None:
            recipient = one.recipient
            target = Delivery(
                key=idempotency_key(one),
                run=run,
                rule=one.rule,
                rule_name=one.rule.name,
                channel=recipient.channel,
                channel_kind=recipient.channel.kind,
                recipient=recipient.address,
                recipient_name=recipient.name[:200],
                language=recipient.language,
                time_zone=recipient.time_zone,
                shape=one.shape,
                summary=_summary(one),
                site_id=one.items[0].task.site_id if one.shape == Delivery.Shape.TASK else None,
                context=[[t.site_id, t.task_id] for t in one.context],
                send_after=one.send_after or now,
                held_reason=one.held_reason,
                created_at=created_at,
                enqueued_at=None if (one.send_after and one.send_after > now) else created_at,
            )
            new_rows.append((target, one))
        else:
            known = {(site_id, str(task_id)) for site_id, task_id in target.context}
            target.context += [
                [t.site_id, t.task_id] for t in one.context if (t.site_id, t.task_id) not in known
            ]
            target.summary = f"{target.items.count() + len(one.items)} tasks"
            target.save(update_fields=["context", "summary", "updated_at"])
        for item in one.items:
            items.append(
                DeliveryItem(
                    delivery=target,
                    rule_id=one.rule.pk,
                    channel_id=one.recipient.channel.pk,
                    recipient=one.recipient.address,
                    site_id=item.task.site_id,
                    task_id=item.task.task_id,
                    episode=item.episode,
                    step=item.step,
                    became_at=item.task.became_at,
                    assignee_ids=[a[0] for a in item.task.assignees or [] if a and a[0]],
                )
            )
    Delivery.objects.bulk_create([row for row, _ in new_rows], batch_size=500)
    for item in items:
        item.delivery_id = item.delivery.pk  # set by bulk_create after the item was built
    rows_insert(DeliveryItem, items, ITEM_FIELDS)
    if planned:
        _states_advance(planned=planned, now=now, states=states)
    ready = [row.pk for row, _ in new_rows if row.enqueued_at is not None]
    if ready:
        transaction.on_commit(lambda: ledger.deliveries_enqueue(delivery_ids=ready))
    return ready


ITEM_FIELDS = ("delivery", "rule_id", "channel_id", "recipient", "site", "task_id", "episode",
               "step", "became_at", "assignee_ids")  # fmt: skip
STATE_FIELDS = ("last_step", "last_at", "escalated_at", "escalated_next_at")


def _states_advance(
    *, planned: list[PlannedDelivery], now: datetime, states: dict[StateKey, StateRow] | None
) -> None:
    rule = planned[0].rule
    states = states_load(rule) if states is None else states
    created: dict[StateKey, StateRow] = {}
    changed: dict[StateKey, StateRow] = {}
    for one in planned:
        at = one.send_after or now
        for item in one.items:
            task = item.task
            key = (one.recipient.channel.pk, one.recipient.address, task.site_id, task.task_id,
                   item.episode)  # fmt: skip
            state = states.get(key)
            if state is None:
                state = states[key] = created[key] = StateRow(pk=None)
            elif state.pk is not None:
                changed[key] = state
            if item.step == DeliveryItem.ESCALATION:
                state.escalated_at = at
            elif item.step == DeliveryItem.ESCALATION_NEXT:
                state.escalated_next_at = at
            else:
                state.last_step, state.last_at = item.step, at

    def row(key: StateKey, state: StateRow) -> ReminderState:
        channel_id, recipient, site_id, task_id, episode = key
        return ReminderState(
            pk=state.pk, rule=rule, channel_id=channel_id, recipient=recipient, site_id=site_id,
            task_id=task_id, episode=episode, last_step=state.last_step, last_at=state.last_at,
            escalated_at=state.escalated_at, escalated_next_at=state.escalated_next_at,
        )  # fmt: skip

    keys = ["rule", "channel_id", "recipient", "site", "task_id", "episode"]
    rows_insert(ReminderState, (row(k, s) for k, s in created.items()), [*keys, *STATE_FIELDS])
    rows_update(ReminderState, (row(k, s) for k, s in changed.items()), STATE_FIELDS)
