"""SQLite for the web server's gevent workers: waiting for the write lock lets other requests run.

SQLite waits for a lock held by another connection inside its C library (the ``timeout``
option), which under gevent freezes every request of the worker, including the one holding
the lock if it is waiting on the network (a token refresh holds its row lock across the call
to the site). Here SQLite itself waits only ``timeout`` (kept short), and a statement, BEGIN or
COMMIT that finds the database locked is tried again after a cooperative sleep, for up to
``GREEN_LOCK_WAIT`` seconds in all: the same patience as before, without the freeze.
Used when ``PORTAL_GREEN_WEB`` is set (portal/settings.py); everything else is Django's own
SQLite backend.
"""

from __future__ import annotations

import sqlite3
import time

from django.db.backends.sqlite3 import base

GREEN_LOCK_WAIT = 20.0
_FIRST_PAUSE, _LONGEST_PAUSE = 0.005, 0.1


def _locked(error: Exception) -> bool:
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error).lower()


def _patiently(call):
    deadline = time.monotonic() + GREEN_LOCK_WAIT
    pause = _FIRST_PAUSE
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _locked(error) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)  # gevent's sleep under its patching: other requests go on
        pause = min(pause * 2, _LONGEST_PAUSE)


class _PatientCursor(base.SQLiteCursorWrapper):
    def execute(self, query, params=None):
        return _patiently(lambda: super(_PatientCursor, self).execute(query, params))

    def executemany(self, query, param_list):
        param_list = list(param_list)
        return _patiently(lambda: super(_PatientCursor, self).executemany(query, param_list))


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=_PatientCursor)

    def _commit(self):
        if self.connection is not None:
            with self.wrap_database_errors:
                return _patiently(self.connection.commit)
