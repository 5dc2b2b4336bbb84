"""`make run`'s console: the summary (sites, caught mail, URL, logins) comes after every
service's start-up output, the logins last, and no service's line falls among its lines."""

from __future__ import annotations

import io
import sys

from portal.ops.stack import Service, Stack, summary_lines

# A service that chatters for a while, says it is ready, then chatters a little more.
CHATTY = (
    "import time\n"
    "for n in range(5):\n"
    "    print(f'{NAME} start-up line {n}', flush=True); time.sleep(0.1)\n"
    "print(f'{NAME} ready.', flush=True)\n"
    "for n in range(3):\n"
    "    time.sleep(0.2); print(f'{NAME} after ready {n}', flush=True)\n"
    "time.sleep(30)\n"
)


def _service(name: str, marker: str | None = " ready.") -> Service:
    return Service(name, [sys.executable, "-c", f"NAME = {name!r}\n" + CHATTY],
                   ready_marker=marker)  # fmt: skip


def test_the_summary_comes_after_every_service_s_start_up_output_with_the_logins_last():
    out = io.StringIO()
    stack = Stack([_service("worker"), _service("beat"), _service("web", None)], out=out)
    stack.start()
    try:
        assert stack.wait_settled(quiet=0.6, timeout=20)
        lines = summary_lines(
            url="http://127.0.0.1:8700/",
            sites=["stand-in site Riyadh Sales at http://127.0.0.1:8711"],
            mail_url="http://127.0.0.1:8700/ops/mail/",
            logins=["admin / pw1", "mona / pw2 (a member)", "layla / pw3 (a team lead)"],
        )
        stack.announce(lines)
        printed = out.getvalue().splitlines()
    finally:
        stack.stop()
    assert len([line for line in printed if "start-up line" in line or "after ready" in line]) == 24
    tail = [line.split(" | ", 1)[1] for line in printed[-len(lines) :]]
    assert tail == lines
    assert tail[-4] == "portal ready at http://127.0.0.1:8700/"
    assert tail[-3:] == ["log in as admin / pw1", "log in as mona / pw2 (a member)",
                         "log in as layla / pw3 (a team lead)"]  # fmt: skip
    assert "http://127.0.0.1:8700/ops/mail/" in tail[1]


def test_settling_gives_up_when_a_service_never_says_it_is_ready():
    stack = Stack([_service("worker", marker="never printed")], out=io.StringIO())
    stack.start()
    try:
        assert stack.wait_settled(quiet=0.2, timeout=2) is False
    finally:
        stack.stop()


def test_without_demo_sites_or_mail_the_summary_is_the_url_and_the_logins():
    assert summary_lines(url="http://h/", logins=["admin / x"]) == [
        "portal ready at http://h/",
        "log in as admin / x",
    ]
