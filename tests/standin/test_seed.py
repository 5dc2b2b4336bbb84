"""Seed data: large, fast, deterministic, and a realistic mix."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime

from standin.frappe import seed
from standin.frappe.config import parse_site
from standin.frappe.flavours import DEPLOYED, DEPLOYED_TASK_TYPES, DOCUMENTED
from standin.frappe.site import Site

NOW = datetime(2026, 11, 23, 12, 0, 0)


def _rows(size=2000, seed_value=7, flavour=DEPLOYED):
    return seed.generate(
        size=size,
        seed=seed_value,
        first_id=1,
        now=NOW,
        flavour=flavour,
        task_types=DEPLOYED_TASK_TYPES,
        owners=["a@x"],
        assignees=["a@x", "b@x"],
    )


def test_a_site_of_100000_tasks_is_generated_quickly():
    started = time.perf_counter()
    site = Site(
        parse_site(
            {
                "name": "big",
                "seed_size": 100_000,
                "first_task_id": 5,
                "clock": {"mode": "frozen", "now": "2026-11-23T12:00:00Z"},
            }
        )
    )
    elapsed = time.perf_counter() - started
    print(f"\n100,000 seed tasks generated and stored in {elapsed:.2f} s")
    assert site.store.count() == 100_000
    assert site.peek_next_id() == 100_005
    assert site.store.select(["min(name) AS lo", "max(name) AS hi"])[0] == {"lo": 5, "hi": 100_004}


def test_the_same_seed_gives_the_same_tasks_and_another_seed_does_not():
    assert _rows(seed_value=7) == _rows(seed_value=7)
    assert _rows(seed_value=7) != _rows(seed_value=8)


def test_the_mix_has_every_status_priority_type_and_kind_of_day():
    rows = _rows()
    assert set(Counter(r["status"] for r in rows)) == set(DEPLOYED.statuses)
    assert set(r["priority"] for r in rows) == {"Low", "Medium", "High"}
    assert set(r["task_type"] for r in rows) == set(DEPLOYED_TASK_TYPES)
    today, now = "2026-11-23", NOW.strftime("%Y-%m-%d %H:%M:%S")
    open_ = ("Backlog", "Todo", "In Progress")
    overdue = [
        r
        for r in rows
        if r["due_date"] and r["due_date"] < now and r["status"] not in ("Done", "Canceled")
    ]
    assert any(r["status"] == "late" for r in overdue)
    assert any(r["status"] in open_ for r in overdue), "some overdue tasks wait for the job"
    assert any(r["start_date"].startswith(today) for r in rows)
    assert any(r["start_date"] > today + " 23:59:59" for r in rows)
    assert any(r["start_date"] < today and r["status"] in open_ for r in rows)
    assert any(r["_assign"] for r in rows) and any(not r["_assign"] for r in rows)
    arabic = [r for r in rows if any("\u0600" <= ch <= "\u06ff" for ch in r["title"])]
    assert 0.3 < len(arabic) / len(rows) < 0.7


def test_documented_seeds_use_the_documented_statuses():
    rows = _rows(flavour=DOCUMENTED)
    assert set(r["status"] for r in rows) == set(DOCUMENTED.statuses)
