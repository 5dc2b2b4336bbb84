"""A real worker process takes the heartbeat from the real broker and records it."""

import time

from portal.ops.models import Heartbeat
from portal.ops.tasks import heartbeat


def test_a_worker_process_runs_the_heartbeat_through_the_broker(celery_worker_process):
    queue, hostname = celery_worker_process
    heartbeat.apply_async(queue=queue)
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        beat = Heartbeat.objects.filter(worker=hostname).first()
        if beat:
            break
        time.sleep(0.2)
    assert beat is not None, "the worker never recorded the heartbeat"
    assert beat.runs == 1
