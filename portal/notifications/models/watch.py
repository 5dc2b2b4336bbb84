from datetime import UTC

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScanRun(models.Model):
    """One scan of the active sites (beat, the command, or an admin's "scan now"). Reminders
    are planned once per run, when every site of it has finished or timed out, so a digest can
    list a person's tasks of every site."""

    started_at = models.DateTimeField(db_index=True)
    # The portal time the run judges overdue at (the clock at start).
    now = models.DateTimeField()
    trigger = models.CharField(max_length=20, default="beat")
    sites_total = models.PositiveIntegerField(default=0)
    sites_done = models.PositiveIntegerField(default=0)
    deadline = models.DateTimeField()
    planned_at = models.DateTimeField(null=True, blank=True)
    deliveries_planned = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"scan {self.pk} at {self.started_at:%Y-%m-%d %H:%M}"


class SiteScan(models.Model):
    """One site's part of a run: its outcome is shown to admins; a failure stays per site."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        OK = "ok", _("ok")
        FAILED = "failed", _("failed")

    run = models.ForeignKey(ScanRun, on_delete=models.CASCADE, related_name="site_scans")
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    overdue_count = models.PositiveIntegerField(default=0)
    late_count = models.PositiveIntegerField(default=0)
    # Rows the site's late bucket returned: the next scan asks for more than this, so the
    # bucket is never cut off at min_each (a per-bucket maximum [209]).
    late_bucket_rows = models.PositiveIntegerField(default=0)
    # Overdue tasks of this site no enabled rule had anyone to remind of, when the run was
    # planned (the reminders overview shows them).
    uncovered_count = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["run", "site"], name="one_scan_per_site")]

    def __str__(self) -> str:
        return f"{self.site} in run {self.run_id}: {self.status}"


class WatchedTask(models.Model):
    """An open task the last successful scan of its site found overdue or late: what reminders
    are planned from and what digests list. A row whose task was finished (a Done link, an
    inbound webhook) is kept closed until a scan that started later no longer sees it, so a scan
    that read the site before the change cannot revive it."""

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    task_id = models.CharField(max_length=64)
    bucket = models.CharField(max_length=10)  # overdue | late | soon (due within a rule's lead)
    # What a reminder step belongs to: a new due date (a snooze, say) starts a new episode,
    # with its own first reminder, repeats and escalation.
    episode = models.CharField(max_length=60)
    became_at = models.DateTimeField()  # when it became overdue (or late)
    title = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=60, blank=True)  # the site's own value
    priority = models.CharField(max_length=30, blank=True)
    task_type = models.CharField(max_length=60, blank=True)
    start_date = models.DateTimeField(null=True, blank=True)
    due_date = models.DateTimeField(null=True, blank=True)
    # The due date is a day (held as 00:00 after it): Django-CRM's, EspoCRM's all-day tasks.
    due_is_day = models.BooleanField(default=False)
    # [[user_id or "", email or "", full name or ""], ...]
    assignees = models.JSONField(default=list, blank=True)
    seen_at = models.DateTimeField()
    closed_seq = models.BigIntegerField(null=True, blank=True)  # a TaskTransition id

    class Meta:
        ordering = ["became_at", "site_id", "task_id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "task_id"], name="one_watch_per_task")
        ]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.task_id} {self.bucket}"

    @property
    def is_open(self) -> bool:
        return self.closed_seq is None

    @property
    def due_episode(self) -> str:
        """What "before due" reminders belong to: the due time itself, so a task moved to a new
        due date is reminded before that one too, and never twice before the same one."""
        if self.due_date is None:
            return "d:"
        return f"d:{self.due_date.astimezone(UTC):%Y%m%dT%H%M%S}"


class Acknowledgement(models.Model):
    """Someone took a task on: further escalation of this episode stops, the task stays open at
    its site, and later messages say who acknowledged it. A new due date is a new episode."""

    class Source(models.TextChoices):
        LINK = "link", _("a link in a message")
        SLACK = "slack", _("a Slack button")
        PORTAL = "portal", _("the portal")

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    task_id = models.CharField(max_length=64)
    episode = models.CharField(max_length=60)
    by = models.CharField(max_length=254)  # who, in words: an address, a portal user, Slack
    source = models.CharField(max_length=10, choices=Source.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "task_id", "episode"], name="one_ack_per_episode"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.task_id} acknowledged by {self.by}"
