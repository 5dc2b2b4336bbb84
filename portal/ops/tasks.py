from celery import shared_task

from portal.ops.services import heartbeat_record


@shared_task(name="portal.ops.tasks.heartbeat", bind=True, ignore_result=True)
def heartbeat(self) -> None:
    """Beat sends this every HEARTBEAT_INTERVAL_SECONDS; the worker that runs it signs it."""
    heartbeat_record(worker=self.request.hostname or "unknown")
