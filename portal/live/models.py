"""The embedded transport's table: recent task changes, newest last (portal/live/__init__.py)."""

from django.db import models


class LiveEvent(models.Model):
    """One change, by ids only: the browser reads the task again through the normal views."""

    site_id = models.IntegerField()
    task_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16)

    def __str__(self) -> str:
        return f"{self.kind} {self.site_id}/{self.task_id}"
