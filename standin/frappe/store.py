"""Task storage: one in-memory SQLite database per site.

SQLite gives Frappe's list semantics cheaply (filters, `like`, ordering, paging)
and stays fast at 100,000 rows. Datetimes are stored as naive site-local strings
in Frappe's own format (`YYYY-MM-DD HH:MM:SS[.ffffff]`), so text order is time
order. One lock serialises access; the connection is shared between threads.

Reads are remembered until the next write (``_Answers``): a real site's database answers the
same count in 10 ms however many people ask at once, while here one lock queues them, and at
100,000 tasks each takes 10-20 ms of this process's time. Remembering keeps the stand-in's own
work under what the site costs (the cost model adds that) without changing any answer.
"""

# SQL text here is built only from COLUMNS, identifiers checked by query.column() and
# fixed fragments; every value is a bound parameter (hence the S608 exemptions).

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

# Column order follows the doctype [200] after Frappe's standard fields [053, 237].
COLUMNS = (
    "name",
    "owner",
    "creation",
    "modified",
    "modified_by",
    "docstatus",
    "idx",
    "task_type",
    "title",
    "priority",
    "start_date",
    "reference_doctype",
    "reference_docname",
    "lead",
    "project",
    "unit",
    "project_unit",
    "assigned_to",
    "status",
    "due_date",
    "description",
    "has_reminder",
    "_assign",
)
DATETIME_COLUMNS = frozenset({"creation", "modified", "start_date", "due_date"})
INT_COLUMNS = frozenset({"name", "docstatus", "idx", "has_reminder"})

_SCHEMA = """
CREATE TABLE task (
    name INTEGER PRIMARY KEY,
    owner TEXT, creation TEXT, modified TEXT, modified_by TEXT,
    docstatus INTEGER NOT NULL DEFAULT 0, idx INTEGER NOT NULL DEFAULT 0,
    task_type TEXT, title TEXT, priority TEXT, start_date TEXT,
    reference_doctype TEXT, reference_docname TEXT, lead TEXT, project TEXT, unit TEXT,
    project_unit TEXT, assigned_to TEXT, status TEXT, due_date TEXT, description TEXT,
    has_reminder INTEGER NOT NULL DEFAULT 0, _assign TEXT
);
"""
# The bucket queries of a big site (counts and first rows by due date or start) read these
# covering indexes instead of the table, so a 100,000-task site answers a count in some 10-20 ms
# here, near what a real site's database takes, rather than in a 50 ms table scan.
_INDEXES = (
    "CREATE INDEX task_modified ON task (modified)",
    "CREATE INDEX task_start ON task (start_date, status, due_date, priority, _assign)",
    "CREATE INDEX task_due ON task (due_date, status, start_date, priority, _assign)",
    "CREATE INDEX task_status ON task (status, start_date)",
)


class _Answers:
    """Answers to read statements, forgotten all at once by any write (callers hold the lock)."""

    LIMIT = 512

    def __init__(self) -> None:
        self._found: OrderedDict[tuple, object] = OrderedDict()

    def get(self, key: tuple):
        try:
            found = self._found.get(key)
        except TypeError:  # an unhashable parameter: not remembered
            return None
        if found is not None:
            self._found.move_to_end(key)
        return found

    def put(self, key: tuple, value) -> None:
        try:
            self._found[key] = value
        except TypeError:
            return
        if len(self._found) > self.LIMIT:
            self._found.popitem(last=False)

    def forget(self) -> None:
        self._found.clear()


class TaskStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(_SCHEMA)
        for index in _INDEXES:
            self._db.execute(index)
        self._answers = _Answers()
        # Counts the writes: a demo's state file (standin/demo_state.py) is rewritten only
        # after one, rather than comparing every task twice a second.
        self.writes = 0

    def clear(self) -> None:
        with self.lock:
            self._answers.forget()
            self.writes += 1
            self._db.execute("DELETE FROM task")

    def insert_many(self, rows: Iterable[dict]) -> int:
        sql = f"INSERT INTO task ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"  # noqa: S608
        values = [tuple(row.get(c) for c in COLUMNS) for row in rows]
        with self.lock:
            # A bulk load into an empty table is quicker with the indexes built after.
            rebuild = len(values) > 5000 and self.count() == 0
            self._db.execute("BEGIN")
            try:
                if rebuild:
                    for index in _INDEXES:
                        self._db.execute(f"DROP INDEX {index.split()[2]}")
                self._db.executemany(sql, values)
                if rebuild:
                    for index in _INDEXES:
                        self._db.execute(index)
                self._db.execute("COMMIT")
            except Exception:
                self._db.execute("ROLLBACK")
                raise
            finally:
                self._answers.forget()  # after the write: the count above was remembered
                self.writes += 1
        return len(values)

    def insert(self, row: dict) -> None:
        self.insert_many([row])

    def get(self, name: int) -> dict | None:
        with self.lock:
            cur = self._db.execute("SELECT * FROM task WHERE name = ?", (name,))
            row = cur.fetchone()
        return dict(row) if row else None

    def update(self, name: int, changes: dict) -> None:
        if not changes:
            return
        bad = set(changes) - set(COLUMNS)
        if bad:
            raise KeyError(f"unknown task columns {sorted(bad)}")
        assignments = ", ".join(f"{c} = ?" for c in changes)
        with self.lock:
            self._answers.forget()
            self.writes += 1
            sql = f"UPDATE task SET {assignments} WHERE name = ?"  # noqa: S608
            self._db.execute(sql, (*changes.values(), name))

    def delete(self, name: int) -> bool:
        with self.lock:
            self._answers.forget()
            self.writes += 1
            cur = self._db.execute("DELETE FROM task WHERE name = ?", (name,))
            return cur.rowcount > 0

    def select(
        self,
        columns: Sequence[str] = ("*",),
        where: str = "",
        params: Sequence = (),
        order_by: str = "",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict]:
        sql = f"SELECT {', '.join(columns)} FROM task"  # noqa: S608
        if where:
            sql += f" WHERE {where}"
        if order_by:
            sql += f" ORDER BY {order_by}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        elif offset:
            sql += f" LIMIT -1 OFFSET {int(offset)}"
        key = (sql, tuple(params))
        with self.lock:
            rows = self._answers.get(key)
            if rows is None:
                rows = tuple(dict(r) for r in self._db.execute(sql, key[1]))
                self._answers.put(key, rows)
        return [dict(r) for r in rows]  # callers may change what they get

    def count(self, where: str = "", params: Sequence = ()) -> int:
        sql = "SELECT COUNT(*) FROM task" + (f" WHERE {where}" if where else "")  # noqa: S608
        key = (sql, tuple(params))
        with self.lock:
            number = self._answers.get(key)
            if number is None:
                number = int(self._db.execute(sql, key[1]).fetchone()[0])
                self._answers.put(key, number)
        return number

    def switch_overdue(self, now: str, exempt: Sequence[str], late: str) -> list[int]:
        """The periodic job's raw update: no hooks, `modified` unchanged [244]. Like the
        validate hook it spares only the exempt statuses (Done): Canceled is switched too."""
        kept = (*exempt, late)
        marks = ", ".join("?" * len(kept))
        where = f"due_date IS NOT NULL AND due_date < ? AND status NOT IN ({marks})"
        select = f"SELECT name FROM task WHERE {where} ORDER BY name"  # noqa: S608
        update = f"UPDATE task SET status = ? WHERE {where}"  # noqa: S608
        with self.lock:
            ids = [r[0] for r in self._db.execute(select, (now, *kept))]
            if ids:
                self._answers.forget()
                self.writes += 1
                self._db.execute(update, (late, now, *kept))
        return ids
