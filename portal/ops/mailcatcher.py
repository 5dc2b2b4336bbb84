"""The demo's mail catcher: an SMTP server on loopback that keeps every message it receives as a
file, for the portal's mail page (``/ops/mail/``) to show.

`manage.py runstack --demo` starts it and points the portal's EMAIL_HOST and EMAIL_PORT at it,
so the demo's reminders go out through SMTP exactly as in production (the email channel and its
ledger see real reply codes) and land on a page instead of filling the console. aiosmtpd is the
SMTP server the notification tests already receive mail with.

    python -m portal.ops.mailcatcher --port 2525 --folder var/mail

Standard library and aiosmtpd only: no Django here.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

KEEP = 500  # messages kept; the oldest go first, so a long demo does not fill the disk
SIZE_LIMIT = 5 * 1024 * 1024  # bytes a message may have; a bigger one is refused (552)
SUFFIX = ".eml"


class FolderHandler:
    """aiosmtpd handler: each message whole, as received, in its own file."""

    def __init__(self, folder: Path, *, keep: int = KEEP) -> None:
        self.folder = folder
        self.keep = keep
        # Only its owner reads it: reminders carry signed one-click links.
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.store(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"

    def store(self, content: bytes) -> Path:
        # Nanoseconds first: names sort by arrival. Written aside, then renamed into place, so
        # the page never reads a half-written message.
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}{SUFFIX}"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(content)
        final = self.folder / name
        tmp.replace(final)
        for old in sorted(self.folder.glob(f"*{SUFFIX}"))[: -self.keep]:
            old.unlink(missing_ok=True)
        return final


def main(argv: list[str] | None = None) -> int:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(prog="python -m portal.ops.mailcatcher", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", required=True, help="where each message is kept")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller = Controller(
        FolderHandler(Path(args.folder)), hostname=args.host, port=args.port,
        data_size_limit=SIZE_LIMIT,
    )  # fmt: skip
    try:
        controller.start()
    except (OSError, RuntimeError) as exc:
        print(f"mailcatcher: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    print(f"mailcatcher: SMTP on {args.host}:{args.port}, messages in {args.folder}", flush=True)
    try:
        stop.wait()
    finally:
        controller.stop()
        print("mailcatcher: stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
