from django.db import models


class Snapshot(models.Model):
    """What one site looked like at one moment (daily, and on demand): open tasks by status and
    priority, overdue tasks by age, the worst overdue tasks. Per-assignee rows hang off it."""

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", "scheduled"
        ON_DEMAND = "on_demand", "on demand"

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(db_index=True)
    day = models.DateField(help_text="The site-local day the snapshot describes.")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    ok = models.BooleanField(default=True)
    error = models.TextField(blank=True)
    open_total = models.PositiveIntegerField(default=0)
    overdue_total = models.PositiveIntegerField(default=0)
    by_status = models.JSONField(default=dict)  # site status → count (open tasks)
    by_priority = models.JSONField(default=dict)  # priority → count (open tasks)
    aging = models.JSONField(default=dict)  # "1-3" / "4-7" / "8+" days overdue → count
    worst = models.JSONField(default=list)  # the most overdue tasks, bounded

    class Meta:
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["site", "day"])]

    def __str__(self) -> str:
        return f"{self.site_id} {self.day} ({self.trigger})"


class AssigneeFigures(models.Model):
    """Open and overdue tasks of one site user at snapshot time."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="assignees")
    site_user_id = models.CharField(max_length=140)
    name = models.CharField(max_length=140, blank=True)
    open = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    aging = models.JSONField(default=dict)  # this person's overdue tasks by age band

    class Meta:
        ordering = ["-overdue", "-open", "site_user_id"]

    def __str__(self) -> str:
        return f"{self.site_user_id}: {self.open} open, {self.overdue} overdue"


class SnapshotTask(models.Model):
    """One task open at snapshot time, kept for each site's newest snapshot only: what a task
    the portal saw finish since then took from the counts, the aging and "most overdue", so the
    report can give it back before the next snapshot (``services.live``)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="open_tasks")
    task_id = models.CharField(max_length=64)
    title = models.CharField(max_length=200, blank=True)
    priority = models.CharField(max_length=60, blank=True)
    due = models.DateTimeField(null=True, blank=True)
    overdue_days = models.IntegerField(null=True, blank=True)  # None: open, not overdue
    assignees = models.JSONField(default=list)  # site user ids; [] when nobody holds it

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "task_id"], name="one_row_per_open_task")
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id}: {self.task_id}"


class Completion(models.Model):
    """A task seen reaching done or cancelled: by the snapshot's query for tasks finished since
    the last one (a completion moves `modified`; the overdue switch does not), refined by the
    time an inbound webhook or a reminder action observed it first."""

    class Source(models.TextChoices):
        POLL = "poll", "finished-since query"
        OBSERVED = "observed", "webhook or reminder action"

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    task_id = models.CharField(max_length=64)
    title = models.CharField(max_length=300, blank=True)
    portal_status = models.CharField(max_length=20)  # done | cancelled
    finished_at = models.DateTimeField(db_index=True)
    due_date = models.DateTimeField(null=True, blank=True)
    # None: no due date, so neither on time nor late; the page counts those apart.
    on_time = models.BooleanField(null=True, blank=True)
    assignees = models.JSONField(default=list)  # site user ids
    source = models.CharField(max_length=10, choices=Source.choices)

    class Meta:
        ordering = ["-finished_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "task_id"], name="one_completion_per_task")
        ]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.task_id} {self.portal_status} at {self.finished_at}"


class DigestSent(models.Model):
    """One row per lead and period: a digest goes out once, however often beat fires."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    period_end = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "period_end"], name="one_digest_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period_end}"
