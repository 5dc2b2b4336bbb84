"""The stand-in's task store remembers read answers until a write: every kind of write must make
the next read see it, as the database itself would."""

from standin.frappe.store import TaskStore


def _row(name: int, status: str = "Todo", due: str | None = "2026-11-20 10:00:00") -> dict:
    return {
        "name": name,
        "docstatus": 0,
        "idx": 0,
        "has_reminder": 0,
        "title": f"Task {name}",
        "status": status,
        "due_date": due,
    }


def _open_overdue(store: TaskStore) -> int:
    return store.count("status != ? AND due_date < ?", ("Done", "2026-11-23 00:00:00"))


def test_every_write_is_seen_by_the_next_read():
    store = TaskStore()
    assert store.count() == 0
    store.insert_many([_row(n) for n in range(1, 6001)])  # the bulk path (indexes rebuilt)
    assert store.count() == 6000
    assert _open_overdue(store) == 6000

    store.insert(_row(7000, due="2026-11-30 10:00:00"))
    assert store.count() == 6001
    assert _open_overdue(store) == 6000

    store.update(1, {"status": "Done"})
    assert _open_overdue(store) == 5999
    assert store.select(["status"], "name = ?", (1,)) == [{"status": "Done"}]

    assert store.delete(2)
    assert store.count() == 6000
    assert store.select(["name"], "name = ?", (2,)) == []

    switched = store.switch_overdue("2026-11-23 00:00:00", exempt=["Done"], late="late")
    assert len(switched) == 5998
    assert store.count("status = ?", ("late",)) == 5998

    store.clear()
    assert store.count() == 0
    assert _open_overdue(store) == 0


def test_what_a_caller_changes_in_an_answer_does_not_change_the_next_one():
    store = TaskStore()
    store.insert(_row(1))
    first = store.select(["name", "title"])
    first[0]["title"] = "changed by the caller"
    assert store.select(["name", "title"]) == [{"name": 1, "title": "Task 1"}]
