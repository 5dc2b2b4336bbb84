from django.db import models


class Heartbeat(models.Model):
    """One row per worker host: when the scheduled heartbeat last ran *in a worker*.

    Beat enqueues the task, a worker runs it and writes here, so a fresh row proves that the
    scheduler, the broker and a worker all work.
    """

    worker = models.CharField(max_length=200, unique=True)
    beat_at = models.DateTimeField(help_text="When the worker ran the heartbeat task.")
    runs = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.worker} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
