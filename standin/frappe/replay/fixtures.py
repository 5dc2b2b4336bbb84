"""What the harness does instead of replaying a request: fixtures (apply the
stated outcome), per-file setup, and the state changes INDEX.md says were made
between recordings without being recorded ("interludes")."""

from __future__ import annotations

import json
import random
import re

from standin.frappe.flavours import DEPLOYED_TASK_TYPES
from standin.frappe.replay.recordings import Recording


def apply_fixture(rec: Recording, control, ctx) -> None:
    """Apply a fixture's outcome to the stand-in, from its request and answer."""
    req, resp, outcome = rec.request, rec.response, rec.rule.get("outcome", "")
    body = req.get("body") or {}
    if resp["status"] != 200:
        return  # "a failed attempt ...: nothing changes" [190, 191]
    path = req["path"].replace("%20", " ")
    if path == "/api/resource/User" and req["method"] == "POST":
        roles = [r["role"] for r in body.get("roles", [])]
        if "also gives it System Manager" in outcome:
            roles.append("System Manager")  # the first System User gets it [056]
        control.add_users(
            [
                {
                    "name": body["email"],
                    "email": body["email"],
                    "first_name": body.get("first_name"),
                    "last_name": body.get("last_name"),
                    "password": body.get("new_password"),
                    "roles": roles,
                }
            ]
        )
    elif path.startswith("/api/resource/User/") and req["method"] == "PUT":
        if "keeps it" in outcome:
            return  # Frappe re-adds System Manager [082, 084]
        name = path.rsplit("/", 1)[1]
        control.add_users([{"name": name, "roles": [r["role"] for r in body["roles"]]}])
    elif path == "/api/resource/OAuth Client":
        data = resp["body"]["data"]
        control.add_oauth_clients(
            [
                {
                    "client_id": data["client_id"],
                    "client_secret": data["client_secret"],
                    "app_name": body.get("app_name"),
                    "redirect_uris": body["redirect_uris"].split(),
                    "default_redirect_uri": body.get("default_redirect_uri"),
                    "skip_authorization": bool(body.get("skip_authorization")),
                    "scopes": body.get("scopes", "all openid"),
                }
            ]
        )
    elif path == "/api/resource/Webhook":
        hook = {
            "name": body["name"],
            "url": ctx.capture_url(body["request_url"]),
            "events": [body["webhook_docevent"]],
            "secret": body.get("webhook_secret"),
            "headers": {h["key"]: h["value"] for h in body.get("webhook_headers", [])},
        }
        if body.get("request_structure") == "JSON":
            hook.update(structure="json", template=body["webhook_json"])
        else:
            hook.update(structure="form", fields=body.get("webhook_data", []))
        control.add_webhooks([hook])
    else:
        raise ValueError(f"{rec.file}: no way to apply fixture {outcome!r}")


def apply_setup(rec: Recording, control, site_name: str, base_url: str) -> None:
    """`setup` notes of replay.json [113, 159, 160, 175]."""
    text = rec.rule.get("setup", "")
    if not text:
        return
    m = re.search(r"domains = (\[[^\]]*\])", text)
    if m:
        domains = json.loads(m.group(1).replace("SITE", f'"{site_name}"'))
        control.site_config(domains=domains)
    elif "no `domains`" in text:
        control.site_config(host_name=base_url, domains=[])


# INDEX.md: "between 234 and 235, 1,000 tasks titled "Bulk task N ..." were created
# through create_task (random dates within 20 days of today, random status, priority,
# task type; 70% with a due date), then one task "Assigned to sales1" assigned to sales1
# with a past due date (id 1045); before 240 the site's time zone was set to Asia/Tokyo
# ... a first try of 240-244, made before the change took effect and discarded, left two
# more tasks with the same titles as 242 and 243."
BULK_AT = "2026-11-23T17:11:24+00:00"
ASSIGNED_AT = "2026-11-23T17:20:08+00:00"
FIRST_TRY_AT = "2026-11-23T17:20:32+00:00"


def bulk_tasks(count: int = 1000, seed: int = 235) -> list[dict]:
    rng = random.Random(seed)
    types = DEPLOYED_TASK_TYPES
    out = []
    for n in range(count):
        start = f"2026-11-{rng.randint(3, 28):02d} {rng.randint(8, 17):02d}:00:00"
        task = {
            "title": f"Bulk task {n} متابعة العميل",
            "task_type": rng.choice(types),
            "status": rng.choice(("Backlog", "Todo", "In Progress", "Done", "Canceled")),
            "priority": rng.choice(("Low", "Medium", "High")),
            "start_date": start,
        }
        if rng.random() < 0.7:
            task["due_date"] = (
                f"{start[:8]}{min(int(start[8:10]) + rng.randint(0, 4), 30):02d} 17:00:00"
            )
        out.append(task)
    return out


def interlude_before(number: str, ctx) -> None:
    if number == "235":
        ctx.control.set_clock(now=BULK_AT)
        ctx.control.insert_tasks(bulk_tasks(), save_rules=True, as_user="sales1@lab.local")
        ctx.control.set_clock(now=ASSIGNED_AT)
        ctx.side_request("235", {"title": "Assigned to sales1"})
    elif number == "240":
        ctx.control.set_clock(now=FIRST_TRY_AT)
        ctx.side_request("242")
        ctx.side_request("243")
        ctx.control.site_config(time_zone="Asia/Tokyo")
