"""A small supervisor for the development stack: web, worker, beat (and stand-in sites).

Why not honcho or supervisord: we need to wait for /healthz before printing the login, stop
everything when one process dies, and exit non-zero on failure so CI can smoke-test the very
command the README tells newcomers to run. That is a few dozen lines over subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    ready_marker: str | None = None  # a line containing this says the service is up


class Stack:
    """Starts services, prefixes their output, and stops them all together."""

    def __init__(self, services: list[Service], *, out=None, stop_timeout: float = 20.0) -> None:
        self.services = services
        self.out = out or sys.stdout
        self.stop_timeout = stop_timeout
        self.processes: dict[str, subprocess.Popen] = {}
        self._stopping = threading.Event()
        self._print_lock = threading.Lock()
        self._width = max(len(s.name) for s in services)
        self._markers = {s.name: s.ready_marker for s in services if s.ready_marker}
        self._ready: set[str] = set()
        self._last_output = time.monotonic()

    def say(self, name: str, line: str) -> None:
        with self._print_lock:
            self.out.write(f"{name.ljust(self._width)} | {line.rstrip()}\n")
            self.out.flush()

    def announce(self, lines: list[str]) -> None:
        """Lines of the stack's own, printed together: no service's line falls among them."""
        with self._print_lock:
            for line in lines:
                self.out.write(f"{'stack'.ljust(self._width)} | {line}\n")
            self.out.flush()

    def wait_settled(self, *, quiet: float = 2.0, timeout: float = 30.0) -> bool:
        """Until every service with a ready marker has printed it and none has printed anything
        for ``quiet`` seconds, so what is announced next is not lost in their start-up output;
        False if that took longer than ``timeout`` (the caller announces anyway)."""
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            with self._print_lock:
                ready = self._ready >= set(self._markers)
                # Quiet since the call too: work the caller just queued (the demo's first scan)
                # gets the time to start talking.
                silent = time.monotonic() - max(self._last_output, started) >= quiet
            if (ready and silent) or self.first_exited():
                return ready and silent
            time.sleep(0.1)
        return False

    def start(self) -> None:
        for service in self.services:
            process = subprocess.Popen(
                service.argv,
                env={**os.environ, **service.env},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                # Own session: a terminal's Ctrl-C reaches only us, and we stop children in order.
                start_new_session=True,
            )
            self.processes[service.name] = process
            threading.Thread(target=self._pump, args=(service.name, process), daemon=True).start()

    def _pump(self, name: str, process: subprocess.Popen) -> None:
        marker = self._markers.get(name)
        for line in process.stdout:  # type: ignore[union-attr]
            self.say(name, line)
            with self._print_lock:
                self._last_output = time.monotonic()
                if marker and marker in line:
                    self._ready.add(name)

    def first_exited(self) -> tuple[str, int] | None:
        for name, process in self.processes.items():
            code = process.poll()
            if code is not None:
                return name, code
        return None

    def stop(self) -> dict[str, int | None]:
        """SIGTERM each service's main process (gunicorn and Celery then stop their own pools
        gracefully), then SIGKILL the whole process group of any straggler."""
        self._stopping.set()
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        codes: dict[str, int | None] = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say("stack", f"{name} did not stop in time; killing it")
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()
                codes[name] = None
        return codes


def metrics_dir_prepare(path: Path) -> Path:
    """The folder where every process the stack starts writes its counters for /metrics
    (prometheus_client's multiprocess mode), emptied first: the figures of processes from an
    earlier run are not this run's, and their files would pile up."""
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.db"):
        old.unlink(missing_ok=True)
    return path


def wait_for_http(url: str, *, timeout: float, stack: Stack | None = None) -> dict | None:
    """Polls a JSON endpoint until it answers 200; None on timeout or if a service died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack is not None and stack.first_exited():
            return None
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own http URL)
                if response.status == 200:
                    return json.loads(response.read() or b"{}")
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
            pass
        time.sleep(0.5)
    return None


def run_until_signal(stack: Stack, *, on_ready, health_url: str, timeout: float = 90) -> int:
    """Runs the stack in the foreground; returns the exit status for the command."""
    stop_requested = threading.Event()

    def request_stop(signum, frame):
        stop_requested.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        stack.start()
        if wait_for_http(health_url, timeout=timeout, stack=stack) is None:
            if not stop_requested.is_set():
                died = stack.first_exited()
                reason = f"{died[0]} exited with {died[1]}" if died else "no answer from /healthz"
                stack.say("stack", f"start-up failed: {reason}")
                stack.stop()
                return 1
        else:
            try:
                on_ready()
            except Exception as error:  # a failed demo set-up must not leave services orphaned
                stack.say("stack", f"start-up failed: {type(error).__name__}: {error}")
                stack.stop()
                return 1
        while not stop_requested.is_set():
            died = stack.first_exited()
            if died:
                stack.say("stack", f"{died[0]} exited with {died[1]}; stopping the others")
                stack.stop()
                return 1
            stop_requested.wait(0.5)
        stack.say("stack", "stopping")
        codes = stack.stop()
        failed = {name: code for name, code in codes.items() if code not in (0, -15)}
        if failed:
            stack.say("stack", f"unclean shutdown: {failed}")
            return 1
        stack.say("stack", "stopped cleanly")
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def summary_lines(
    *, url: str, sites: list[str] = (), mail_url: str | None = None, logins: list[str] = ()
) -> list[str]:
    """What the stack says once everything is up, the logins last: the lines a newcomer needs
    stay at the bottom of the console."""
    lines = list(sites)
    if mail_url:
        lines.append(f"mail the portal sends is caught at {mail_url} (log in as admin)")
    lines.append(f"portal ready at {url}")
    lines.extend(f"log in as {login}" for login in logins)
    return lines


def free_port(host: str) -> int:
    """A port nothing listens on now (the mail catcher's: nobody needs to know it but the
    portal's own processes, which get it in EMAIL_PORT)."""
    import socket

    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
