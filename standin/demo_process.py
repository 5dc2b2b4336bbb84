"""Running one in-process stand-in site as a demo process (`python -m standin.<crm> --demo`):
the command line, listening, the ready file `manage.py runstack` waits for, and a clean stop on
SIGTERM or SIGINT. Each CRM's demo module gives the site, its ready file and, if the CRM has
one, a periodic job; with ``--state-file`` also how its state is kept across restarts
(``standin.demo_state``)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from standin.demo_state import StateFile

KEEP_SECONDS = 1.0  # how often a demo with a state file writes what changed


def demo_main(
    argv: list[str] | None,
    *,
    prog: str,
    description: str | None,
    default_port: int,
    make_site: Callable[..., Any],  # (host=, port=) -> a site context manager with ``url``
    label: str,
    ready: Callable[[Any], dict],
    every: float | None = None,
    job: Callable[[Any], object] | None = None,
    dump: Callable[[Any], dict] | None = None,  # the state a restart keeps
    restore: Callable[[Any, dict], None] | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--demo", action="store_true", required=True, help="the demo site")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--ready-file", help="write the site's address and credentials here")
    if dump is not None:
        parser.add_argument("--state-file", help="keep the site's state here across restarts")
    args = parser.parse_args(argv)
    kept = None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        site = make_site(host=args.host, port=args.port)
        if getattr(args, "state_file", None):
            kept = StateFile(args.state_file, dump=lambda: dump(site))
            if (data := kept.load()) is not None:
                restore(site, data)
        site.__enter__()
    except OSError as exc:
        print(f"{prog}: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    try:
        print(f"{prog}: {label} at {site.url}", flush=True)
        if args.ready_file:
            Path(args.ready_file).write_text(json.dumps(ready(site)))
        tick = KEEP_SECONDS if kept is not None else every  # None: wait for the stop only
        job_due = time.monotonic() + (every or 0)
        while not stop.wait(tick):
            if job is not None and time.monotonic() >= job_due - 0.05:
                job(site)
                job_due = time.monotonic() + every
            if kept is not None:
                kept.keep()
    finally:
        site.__exit__(None, None, None)
        if kept is not None:
            kept.keep()
        print(f"{prog}: stopped", flush=True)
    return 0
