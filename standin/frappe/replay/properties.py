"""The `property` kind: files whose exact values depend on state the recordings
do not hold (1,000 random tasks, ties in no fixed order), so only the stated
property is checked (replay.json `check`), against the stand-in's own state."""

from __future__ import annotations

import json
from datetime import date, timedelta

from standin.replay.compare import Mismatch

OPEN = ("Backlog", "Todo", "In Progress")


def _msg(live):
    body = live.json()
    return body if isinstance(body, dict) else {}


class Checker:
    def __init__(self, rec, live, ctx) -> None:
        self.rec, self.live, self.ctx = rec, live, ctx
        self.out: list[Mismatch] = []
        self.body = _msg(live)
        self.expected = rec.response["body"] if isinstance(rec.response["body"], dict) else {}

    def require(self, ok: bool, path: str, expected, got) -> None:
        if not ok:
            self.out.append(Mismatch(self.rec.file, f"property: {path}", expected, got))

    def status(self) -> bool:
        want = self.rec.response["status"]
        self.require(self.live.status == want, "status", want, self.live.status)
        return self.live.status == want

    def equal(self, path: str, getter) -> None:
        try:
            exp, got = getter(self.expected), getter(self.body)
        except (KeyError, IndexError, TypeError):
            exp, got = "present", "missing"
        self.require(exp == got, path, exp, got)


def _day(text: str) -> str:
    return text[:10]


def check_200(c: Checker) -> None:
    """Every Select field's fieldname and options equal the recording."""

    def selects(body):
        return {
            f["fieldname"]: f.get("options")
            for f in body["data"]["fields"]
            if f.get("fieldtype") == "Select"
        }

    c.equal("$.data.fields[Select].options", selects)


def check_235(c: Checker) -> None:
    c.require(
        "_server_messages" in c.body,
        "_server_messages in a 200",
        True,
        "_server_messages" in c.body,
    )
    c.equal("$.message.status", lambda b: b["message"]["status"])


def check_236(c: Checker) -> None:
    user = "sales1@lab.local"
    got = sorted(r["name"] for r in c.body.get("data", []))
    held = sorted(t["name"] for t in c.ctx.control.tasks(assigned=user))
    c.require(got == held, "ids == tasks assigned to the user at the stand-in", held, got)
    c.require(
        got == sorted(r["name"] for r in c.expected["data"]),
        "ids == recorded ids",
        sorted(r["name"] for r in c.expected["data"]),
        got,
    )
    c.require(
        all(user in (r.get("_assign") or "") for r in c.body.get("data", [])),
        "every _assign holds the user id",
        True,
        False,
    )


def check_assigned_field(c: Checker) -> None:
    c.equal("$.data.assigned_to", lambda b: b["data"].get("assigned_to"))


def check_238(c: Checker) -> None:
    c.equal("$.message", lambda b: b["message"])


def _bucket_days(c: Checker, bucket: str, rows: list) -> None:
    day = date.fromisoformat(_day(c.expected["message"]["today"][0]["start_date"]))
    today, tomorrow = day.isoformat(), (day + timedelta(days=1)).isoformat()
    for row in rows:
        start = row["start_date"]
        if bucket == "today":
            ok = _day(start) == today
        elif bucket == "late":
            ok = start < today and row["status"] in OPEN
        else:
            ok = start >= tomorrow
        c.require(
            ok,
            f"$.message.{bucket}[name={row['name']}]",
            f"{bucket} on {today}",
            (start, row["status"]),
        )


def _count_on(c: Checker, day: str) -> int:
    after = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    filters = [["start_date", ">=", f"{day} 00:00:00"], ["start_date", "<", f"{after} 00:00:00"]]
    return len(c.ctx.control.tasks(filters=filters, fields=["name"]))


def check_240(c: Checker) -> None:
    """Site zone Asia/Tokyo: today is the recorded day for home_tasks."""
    rows = c.body.get("message", {}).get("today", [])
    _bucket_days(c, "today", rows)
    day = _day(c.expected["message"]["today"][0]["start_date"])
    want = min(c.expected["message"]["limit"], _count_on(c, day))
    c.require(
        len(rows) == want and want > 0, "len(today) == tasks that day (capped)", want, len(rows)
    )


def check_241(c: Checker) -> None:
    msg = c.body.get("message", {})
    for bucket in ("today", "late", "upcoming"):
        rows = msg.get(bucket, [])
        _bucket_days(c, bucket, rows)
        c.require(
            len(rows) == len(c.expected["message"][bucket]),
            f"len({bucket})",
            len(c.expected["message"][bucket]),
            len(rows),
        )
    # Stored values do not move with the zone: task 43 still starts as recorded.
    rec43 = next(r for r in c.expected["message"]["upcoming"] if r["name"] == 43)
    live43 = c.ctx.control.task(43) or {}
    c.require(
        live43.get("start_date") == rec43["start_date"],
        "task 43 start_date",
        rec43["start_date"],
        live43.get("start_date"),
    )


def check_242(c: Checker) -> None:
    c.equal("$.message.start_date", lambda b: b["message"]["start_date"])


def check_243(c: Checker) -> None:
    c.equal("$.message.status", lambda b: b["message"]["status"])


def check_244(c: Checker) -> None:
    """Naive site-local strings: everything listed is due before the cutoff, and
    the recorded tasks that are not bulk data are listed with their status."""
    cutoff = next(f[2] for f in json.loads(c.rec.request["query"]["filters"]) if f[1] == "<")
    rows = c.body.get("data", [])
    c.require(
        all(r["due_date"] and r["due_date"] < cutoff for r in rows),
        "every due_date < cutoff",
        True,
        [r["due_date"] for r in rows],
    )
    got = {r["name"]: r["status"] for r in rows}
    for r in c.expected["data"]:
        if not r["title"].startswith("Bulk task"):
            c.require(
                got.get(r["name"]) == r["status"],
                f"task {r['name']} listed as",
                r["status"],
                got.get(r["name"]),
            )


def check_message_assignees(c: Checker) -> None:
    c.equal("$.message.assigned_to", lambda b: b["message"]["assigned_to"])


def check_251(c: Checker) -> None:
    check_message_assignees(c)
    task = c.ctx.control.task(c.body.get("message", {}).get("name", 0)) or {}
    c.require(
        task.get("assignees") == [],
        "no open assignments at the stand-in",
        [],
        task.get("assignees"),
    )


def check_252(c: Checker) -> None:
    c.require(
        "assigned_to" not in c.body.get("data", {}),
        "$.data.assigned_to is null",
        "absent",
        c.body.get("data", {}).get("assigned_to"),
    )


CHECKS = {
    "200": check_200,
    "235": check_235,
    "236": check_236,
    "237": check_assigned_field,
    "238": check_238,
    "240": check_240,
    "241": check_241,
    "242": check_242,
    "243": check_243,
    "244": check_244,
    "247": check_message_assignees,
    "248": check_message_assignees,
    "249": check_assigned_field,
    "250": check_message_assignees,
    "251": check_251,
    "252": check_252,
}


def check(rec, live, ctx) -> list[Mismatch]:
    c = Checker(rec, live, ctx)
    if c.status():
        func = CHECKS.get(rec.number)
        if func is None:
            c.require(False, "a check for this file", rec.rule.get("check"), "none written")
        else:
            func(c)
    return c.out
