"""The stack runner stops all services together and reports failures."""

import io
import sys
import threading
import time

from portal.ops.stack import Service, Stack, run_until_signal

SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]


def test_it_prefixes_output_and_stops_every_service_cleanly():
    out = io.StringIO()
    stack = Stack([Service("one", SLEEPER), Service("two", SLEEPER)], out=out)
    stack.start()
    deadline = time.monotonic() + 10
    while out.getvalue().count("up") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    codes = stack.stop()
    assert codes == {"one": -15, "two": -15}
    assert "one | up" in out.getvalue() and "two | up" in out.getvalue()


def test_a_service_that_dies_stops_the_stack_with_a_failure(tmp_path):
    out = io.StringIO()
    crash = [sys.executable, "-c", "import sys; sys.exit(3)"]
    stack = Stack([Service("ok", SLEEPER), Service("crash", crash)], out=out)
    code = run_until_signal(
        stack, on_ready=lambda: None, health_url="http://127.0.0.1:9/none", timeout=5
    )
    assert code == 1
    assert "crash exited with 3" in out.getvalue()
    assert all(process.poll() is not None for process in stack.processes.values())


def test_a_service_that_ignores_sigterm_is_killed(tmp_path):
    stubborn = [
        sys.executable,
        "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('up', flush=True); time.sleep(60)",
    ]
    out = io.StringIO()
    stack = Stack([Service("stubborn", stubborn)], out=out, stop_timeout=1)
    stack.start()
    threading.Event().wait(0.5)
    assert stack.stop() == {"stubborn": None}
    assert "did not stop in time" in out.getvalue()
