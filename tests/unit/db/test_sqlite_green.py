"""The web server's SQLite backend waits for another connection's lock in Python, not inside
SQLite: under gevent that wait lets the worker's other requests (and the lock's holder) run."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest


def test_a_write_waits_for_the_lock_to_be_released_by_a_request_that_yields(tmp_path):
    """Under gevent: one greenlet holds the write lock across a (cooperative) wait, as a token
    refresh does across its call to the site; another writes meanwhile. With SQLite waiting in
    C the holder could never resume: the writer would fail after its timeout. Here it waits,
    and a third greenlet keeps being served all along."""
    db = tmp_path / "green.sqlite3"
    sqlite3.connect(db).execute("CREATE TABLE t (x INTEGER)").connection.commit()
    script = textwrap.dedent(
        """
        from gevent import monkey; monkey.patch_all()
        import gevent, sys, time, django
        from django.conf import settings
        settings.configure(DATABASES={"default": {"ENGINE": "portal.sqlite_green",
            "NAME": sys.argv[1], "OPTIONS": {"timeout": 0.05}}})
        django.setup()
        from django.db.utils import ConnectionHandler
        handler = ConnectionHandler(settings.DATABASES)
        ticks = []

        def holder():
            conn = handler.create_connection("default")
            cur = conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            cur.execute("INSERT INTO t VALUES (1)")
            gevent.sleep(0.5)  # a call to a site, holding the lock
            conn.commit()

        def writer():
            conn = handler.create_connection("default")
            conn.cursor().execute("INSERT INTO t VALUES (2)")

        def other():
            for _ in range(10):
                ticks.append(time.monotonic())
                gevent.sleep(0.05)

        jobs = [gevent.spawn(holder), gevent.spawn_later(0.05, writer), gevent.spawn(other)]
        gevent.joinall(jobs, raise_error=True)
        rows = handler.create_connection("default").cursor().execute(
            "SELECT x FROM t ORDER BY x").fetchall()
        print(rows, len(ticks))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(db)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["[(1,),", "(2,)]", "10"]


def test_other_errors_are_not_retried(tmp_path):
    from portal.sqlite_green.base import _patiently

    calls = []

    def broken():
        calls.append(1)
        raise sqlite3.OperationalError("no such table: t")

    with pytest.raises(sqlite3.OperationalError):
        _patiently(broken)
    assert calls == [1]
