from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.Model):
    """One message to one recipient on one channel: written before anything is sent, claimed by
    exactly one worker with a conditional update, and left in a state a person can read.

    pending ─claim─▶ claimed ─▶ sending ─▶ sent
       ▲  (held while send_after is ahead)   │ └─▶ retry (backoff) ─▶ pending again
       └─ sweeper: claim expired before sending └──▶ failed (permanent / gave up)
    A claim that expires while "sending" ends "unknown": the channel may have taken it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        CLAIMED = "claimed", _("claimed by a worker")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        RETRY = "retry", _("waiting to retry")
        FAILED = "failed", _("failed")
        UNKNOWN = "unknown", _("outcome unknown")
        OBSOLETE = "obsolete", _("not needed any more")

    class Shape(models.TextChoices):
        DIGEST = "digest", _("digest")
        TASK = "task", _("one task")

    key = models.CharField(max_length=64, unique=True)  # the Idempotency-Key
    run = models.ForeignKey(
        "notifications.ScanRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule = models.ForeignKey(
        "notifications.Rule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule_name = models.CharField(max_length=100, blank=True)
    channel = models.ForeignKey(
        "notifications.Channel", on_delete=models.SET_NULL, null=True, related_name="deliveries"
    )
    channel_kind = models.CharField(max_length=20)
    # An email address (email, or a Slack user found by email); empty for a channel's own
    # destination (a Slack channel, a webhook URL).
    recipient = models.CharField(max_length=254, blank=True)
    recipient_name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=8, default="en")
    time_zone = models.CharField(max_length=64, default="UTC")
    shape = models.CharField(max_length=10, choices=Shape.choices)
    summary = models.CharField(max_length=200, blank=True)  # "first", "repeat 2", "3 tasks"
    # Only for one-task deliveries, so the log can filter by site cheaply; digests' sites are
    # in their items.
    site = models.ForeignKey(
        "sites.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Other open tasks of the recipient, already reminded, that a digest lists as well:
    # [[site_id, task_id], ...].
    context = models.JSONField(default=list, blank=True)

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    send_after = models.DateTimeField(db_index=True)  # later than now while held (quiet hours)
    held_reason = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    replays = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "claim_expires_at"])]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.channel_kind} to {self.recipient or self.channel_id}: {self.status}"

    @property
    def replayable(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.UNKNOWN, self.Status.OBSOLETE)


class DeliveryItem(models.Model):
    """A task a delivery covers, and which step of its reminders it is. The unique constraint
    is the ledger's last word: a step of a task goes to a recipient on a channel at most once,
    whatever planners race."""

    FIRST = 0
    ESCALATION = -1  # the team lead's level
    ESCALATION_NEXT = -2  # the named person's or channel's level, after the lead's
    BEFORE_DUE = -10000  # BEFORE_DUE - m: m minutes before the due time

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="items")
    rule_id = models.BigIntegerField()
    channel_id = models.BigIntegerField()
    recipient = models.CharField(max_length=254, blank=True)
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    task_id = models.CharField(max_length=64)
    episode = models.CharField(max_length=60)
    # 0 first, n repeat n, -1 escalation, -2 further escalation, -10000 - m: m minutes before due
    step = models.IntegerField()
    became_at = models.DateTimeField()
    # The task's assignees (site user ids) when planned: reports count a team's reminders.
    assignee_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["became_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_id", "channel_id", "recipient", "site", "task_id", "episode", "step"],
                name="one_step_per_recipient",
            )
        ]
        indexes = [models.Index(fields=["site", "task_id"])]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.task_id} {self.step_label}"

    @property
    def step_label(self) -> str:
        return step_label(self.step)


def step_label(step: int) -> str:
    if step == DeliveryItem.FIRST:
        return "first"
    if step == DeliveryItem.ESCALATION:
        return "escalation"
    if step == DeliveryItem.ESCALATION_NEXT:
        return "escalation 2"
    if is_before_due(step):
        return f"before due {before_due_minutes(step)} min"
    return f"repeat {step}"


def before_due_step(minutes: int) -> int:
    return DeliveryItem.BEFORE_DUE - minutes


def is_before_due(step: int) -> bool:
    return step <= DeliveryItem.BEFORE_DUE


def before_due_minutes(step: int) -> int:
    return DeliveryItem.BEFORE_DUE - step


def is_escalation(step: int) -> bool:
    return step in (DeliveryItem.ESCALATION, DeliveryItem.ESCALATION_NEXT)


class ReminderState(models.Model):
    """Where a task's reminders stand for one recipient of one rule: the planner's memory,
    advanced in the same transaction that writes the delivery rows."""

    rule = models.ForeignKey("notifications.Rule", on_delete=models.CASCADE, related_name="+")
    channel_id = models.BigIntegerField()
    recipient = models.CharField(max_length=254, blank=True)
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    task_id = models.CharField(max_length=64)
    episode = models.CharField(max_length=60)
    last_step = models.IntegerField(null=True, blank=True)  # None: only escalated so far
    last_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_next_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "channel_id", "recipient", "site", "task_id", "episode"],
                name="one_state_per_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.recipient} {self.site_id}/{self.task_id}"
