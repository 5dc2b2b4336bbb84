"""The embedded broker (kombu's filesystem transport, used without REDIS_URL) hands a real
worker at least 10 messages a second, also when each message is sent only once the previous one
is done: the case where kombu's default polling interval (1 s) held a worker to one a second.
`bench/broker.py` prints the same figures for 100 messages and the CPU of an idle worker."""

import time

import pytest
from django.conf import settings

from portal.celery import app
from tests.integration.conftest import start_worker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(bool(settings.REDIS_URL), reason="Redis is the broker here"),
]


def finished(worker) -> int:
    return worker.output().count("succeeded in")


def test_a_worker_takes_ten_messages_a_second_one_after_another(tmp_path):
    worker = start_worker(log_path=tmp_path / "worker.log")
    try:
        app.send_task("celery.accumulate", args=[0], queue=worker.queue)  # warm-up
        deadline = time.monotonic() + 60
        while finished(worker) < 1:
            assert time.monotonic() < deadline, worker.output()[-2000:]
            time.sleep(0.01)
        count = 20
        started = time.perf_counter()
        for i in range(count):
            # celery.accumulate is Celery's own task that returns its arguments: a no-op.
            app.send_task("celery.accumulate", args=[i], queue=worker.queue)
            while finished(worker) < i + 2:
                assert time.monotonic() < deadline, worker.output()[-2000:]
                time.sleep(0.005)
        rate = count / (time.perf_counter() - started)
    finally:
        worker.stop()
    print(f"embedded broker: {rate:.1f} messages a second one after another")
    assert rate >= 10, f"{rate:.1f} messages a second"
