"""Bulk jobs: one person's status change or delete over many tasks across sites, kept in the
database, so that any worker can carry a job on and any web process can show its progress (a
web restart or a killed worker loses nothing).

A row moves ``pending ─claim─▶ running ─▶ ok | failed | gone``. The claim is a conditional
update, so two workers never work on one row. A claim that outlives its lease (the worker was
killed) is given back by the sweeper as ``pending`` with ``recheck``: the change may have been
made before the worker died, so the next worker reads the task on the site before sending
anything (``services/bulk_run.py``).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse


def _public_id() -> str:
    return secrets.token_urlsafe(12)


class BulkJob(models.Model):
    class Action(models.TextChoices):
        STATUS = "status"
        DELETE = "delete"

    class Status(models.TextChoices):
        RUNNING = "running"
        FINISHED = "finished"

    # In the progress page's URL: not guessable, though a job is only ever shown to its owner.
    public_id = models.CharField(max_length=32, unique=True, default=_public_id)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bulk_jobs"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    to_status = models.CharField(max_length=20, blank=True)  # the portal status of a change
    language = models.CharField(max_length=8, default="en")  # of the rows' messages
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    created_at = models.DateTimeField(db_index=True)
    # Last time its rows were handed to the broker (at the start, then by the sweeper).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["finished_at", "enqueued_at"])]

    def __str__(self) -> str:
        return f"bulk {self.action} {self.public_id}"


class BulkRow(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        OK = "ok"
        FAILED = "failed"
        # A delete that found the task already deleted: the wanted end, not this job's doing.
        GONE = "gone"

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()  # the order the person chose them in
    # Empty for a site the person may not see, or one removed since.
    site = models.ForeignKey(
        "sites.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    site_name = models.CharField(max_length=100, blank=True)
    task_id = models.CharField(max_length=64)
    title = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    message = models.TextField(blank=True)
    # Attempt information: every claim counts (a killed worker's too), by whom and when.
    attempts = models.PositiveIntegerField(default=0)
    recheck = models.BooleanField(default=False)  # a worker stopped on it: read the site first
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="bulk_row_position_unique")
        ]
        indexes = [
            models.Index(fields=["job", "site", "state"]),
            models.Index(fields=["state", "claimed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.site_name} #{self.task_id}: {self.state}"


class SavedView(models.Model):
    """A person's named set of filters and sort on the filter page: the page's query string,
    nothing more, so the view's link is the page's own URL and anyone who opens it (with their
    own access to sites) sees those filters applied. One view may be the person's start page:
    the home page then opens it instead of the inbox."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000, blank=True)  # e.g. "priority=High&sort=due"
    is_start_page = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner"),
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(is_start_page=True),
                name="one_start_page_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        path = reverse("tasks_ui:search")
        return f"{path}?{self.query}" if self.query else path
