"""Webhook deliveries caused by a replayed file, against webhook_deliveries.jsonl.

A recorded delivery belongs to the write whose answer shows the same task and
status (37 Todo is 197's insert, 37 Done is 198, 38 late is 220): delivery times
lag behind requests, so they cannot be matched by time. Compared: the raw body,
the signature (same body and secret give the same signature), and the presence
of the headers the recorded delivery had (Content-Type, X-Lab).
"""

from __future__ import annotations

from standin.replay.compare import Mismatch

CHECKED_HEADERS = ("Content-Type", "X-Lab", "X-Frappe-Webhook-Signature")


def _task_of(body) -> tuple[str, str] | None:
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, dict) and "name" in message and "status" in message:
        return str(message["name"]), message["status"]
    return None


def expected_for(rec, recorded: list[dict], claimed: set[int]) -> list[int]:
    task = _task_of(rec.response["body"])
    if task is None or rec.response["status"] != 200:
        return []
    return [
        i
        for i, d in enumerate(recorded)
        if i not in claimed
        and (str(d["body_json"].get("name")), d["body_json"].get("status")) == task
    ]


def check_deliveries(rec, live, ctx) -> list[Mismatch]:
    claimed = getattr(ctx, "claimed_deliveries", set())
    ctx.claimed_deliveries = claimed
    wanted = expected_for(rec, ctx.deliveries, claimed)
    if not wanted:
        return []
    claimed.update(wanted)
    seen = getattr(ctx, "deliveries_seen", 0)
    got = ctx.capture.wait_for(seen + len(wanted))[seen : seen + len(wanted)]
    ctx.deliveries_seen = seen + len(got)
    out = []
    if len(got) != len(wanted):
        out.append(Mismatch(rec.file, "webhook deliveries (count)", len(wanted), len(got)))
    for index, delivery in zip(wanted, got, strict=False):
        exp = ctx.deliveries[index]
        where = f"webhook delivery {index + 1}"
        if delivery["body_raw"] != exp["body_raw"]:
            out.append(Mismatch(rec.file, f"{where} body", exp["body_raw"], delivery["body_raw"]))
        for header in CHECKED_HEADERS:
            want, have = exp["headers"].get(header), delivery["headers"].get(header)
            if want != have:
                out.append(Mismatch(rec.file, f"{where} header {header}", want, have))
    return out
