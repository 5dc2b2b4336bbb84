"""An audit hook that records any attempt to open a file under a directory.

The replay harness starts the stand-in with `--forbid-reads <recordings>`: the
server must answer from its own behaviour, never from the recordings, and the
audit log proves it (tests/standin/test_no_recordings.py).
"""

from __future__ import annotations

import os
import sys


def install(directory: str, log_path: str | None = None) -> None:
    root = os.path.realpath(directory)

    def hook(event: str, args: tuple) -> None:
        if event != "open" or not args:
            return
        target = args[0]
        if isinstance(target, int):
            return
        try:
            path = os.path.realpath(os.fsdecode(target))
        except (TypeError, ValueError):
            return
        if path == root or path.startswith(root + os.sep):
            line = f"forbidden open: {path}\n"
            if log_path:
                # Written with os calls: open() here would re-enter the hook.
                fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    os.write(fd, line.encode())
                finally:
                    os.close(fd)
            sys.stderr.write(line)

    sys.addaudithook(hook)
