"""Running one in-process stand-in site as a demo process (`python -m standin.<crm> --demo`):
the command line, listening, the ready file `manage.py runstack` waits for, and a clean stop on
SIGTERM or SIGINT. Each CRM's demo module gives the site, its ready file and, if the CRM has
one, a periodic job."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


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
) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--demo", action="store_true", required=True, help="the demo site")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--ready-file", help="write the site's address and credentials here")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        site = make_site(host=args.host, port=args.port)
        site.__enter__()
    except OSError as exc:
        print(f"{prog}: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    try:
        print(f"{prog}: {label} at {site.url}", flush=True)
        if args.ready_file:
            Path(args.ready_file).write_text(json.dumps(ready(site)))
        while not stop.wait(every):
            if job is not None:
                job(site)
    finally:
        site.__exit__(None, None, None)
        print(f"{prog}: stopped", flush=True)
    return 0
