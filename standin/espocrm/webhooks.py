"""Webhooks [029-038, 150-155, 165-167] and the job that sends them [D001-D020]: queued
events, batches of up to 50 as a bare PHP-JSON array, ``Signature`` = base64(id + ":" + hex
HMAC-SHA256(secretKey, raw body)) and the legacy ``X-Signature`` (raw digest); 4 attempts
for connection failures and 401/403/404/405/408/500/503, 10 minutes apart (a failed event
waits until then: ``retry_now`` makes it due at once, as an admin resetting the queue item's
``processAt`` would), 400 and others fail at once, 410 deletes the webhook and its queue."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from standin.espocrm import auth, tasks
from standin.espocrm.state import State, User, php_json

EVENTS = ("create", "update", "delete")
RETRY = {401, 403, 404, 405, 408, 500, 503}
ATTEMPTS = 4
BATCH = 50
RETRY_DELAY = timedelta(minutes=10)


def create(state: State, user: User, data: dict) -> dict:
    if auth.scope(state, user, "Webhook") is not True and user.type != "admin":
        raise tasks.ApiError(403, "No access to 'Webhook'.")
    event = data.get("event") or ""
    parts = event.split(".")
    if (
        len(parts) < 2
        or parts[0] != "Task"
        or (parts[1] not in EVENTS and parts[1] != "fieldUpdate")
        or (parts[1] == "fieldUpdate" and len(parts) != 3)
        or (parts[1] in EVENTS and len(parts) != 2)
    ):
        raise tasks.ApiError(403, "Not supported event.")
    field = parts[2] if len(parts) == 3 else None
    if field is not None:
        if field not in tasks.ATTRIBUTES:
            raise tasks.ApiError(403, "Field does not exist.")
        if field in auth.hidden_fields(state, user, "Task"):
            raise tasks.ApiError(403, "Field is forbidden.")
    if not data.get("url"):
        raise tasks.validation("url", "required", "Webhook")
    now = state.stamp()
    hook = {
        "id": state.new_id(),
        "event": event,
        "url": data["url"],
        "isActive": data.get("isActive", True),
        "type": parts[1],
        "field": field,
        "secretKey": secrets.token_hex(16),
        "createdAt": now,
        "modifiedAt": now,
        "createdById": user.id,
        "modifiedById": None,
        "userId": user.id if user.type == "api" else None,
    }
    state.webhooks[hook["id"]] = hook
    return hook


def view(state: State, hook: dict, *, created: bool = False, listed: bool = False) -> dict:
    out = {
        "id": hook["id"],
        "deleted": False,
        "event": hook["event"],
        "url": hook["url"],
        "isActive": hook["isActive"],
        "entityType": "Task",
        "type": hook["type"],
        "field": hook["field"],
        "secretKey": hook["secretKey"],
        "createdAt": hook["createdAt"],
        "modifiedAt": hook["modifiedAt"],
    }
    if created and hook["userId"] is None:
        out["userName"] = None
    out["createdById"] = hook["createdById"]
    out["createdByName"] = state.users[hook["createdById"]].name
    if listed or hook["modifiedById"]:
        out["modifiedById"] = hook["modifiedById"]
    modifier = state.users.get(hook["modifiedById"] or "")
    out["modifiedByName"] = modifier.name if modifier else None
    return out


def _targets(state: State, kind: str, task: dict, field_changed: list[str]):
    for hook in list(state.webhooks.values()):
        if not hook["isActive"]:
            continue
        if hook["type"] == "fieldUpdate":
            if kind != "update" or hook["field"] not in field_changed:
                continue
        elif hook["type"] != kind:
            continue
        owner = state.users.get(hook["userId"] or "")
        if owner is not None and not tasks.can(state, owner, task, "read"):
            continue
        yield hook, (auth.hidden_fields(state, owner, "Task") if owner else set())


def queue(state: State, kind: str, task: dict, changed: list[str] = ()) -> None:
    """An event for every webhook that wants it, with the payload as of now."""
    for hook, hidden in _targets(state, kind, task, list(changed)):
        if hook["type"] == "create":
            payload = tasks.hook_create_view(state, task, hidden)
        elif hook["type"] == "update":
            payload = tasks.hook_update_view(state, task, list(changed), hidden)
        elif hook["type"] == "fieldUpdate":
            payload = {"id": task["id"], hook["field"]: task.get(hook["field"])}
        else:
            payload = {"id": task["id"]}
        state.queue.append(
            {
                "seq": state.next_seq(),
                "webhook": hook["id"],
                "data": payload,
                "attempts": 0,
                "process_at": None,  # due now; after a failed attempt, the retry time
            }
        )


def retry_now(state: State) -> int:
    """Make every event waiting for its retry delay due now; how many there were."""
    with state.lock:
        waiting = [i for i in state.queue if i["process_at"] is not None]
        for item in waiting:
            item["process_at"] = None
        return len(waiting)


def signature(hook_id: str, secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return base64.b64encode(f"{hook_id}:{digest}".encode()).decode()


def legacy_signature(hook_id: str, secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(hook_id.encode() + b":" + digest).decode()


def _post(url: str, headers: list[tuple[str, str]], body: bytes) -> int:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=10)
    try:
        conn.putrequest(
            "POST",
            parts.path + (f"?{parts.query}" if parts.query else ""),
            skip_host=True,
            skip_accept_encoding=True,
        )
        for key, value in headers:
            conn.putheader(key, value)
        conn.endheaders(body)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except OSError:
        return 0
    finally:
        conn.close()


def send(state: State) -> list[dict]:
    """One run of the webhook job: per webhook (oldest due event first), one batch of the
    events that are due (new ones, and failed ones whose retry time has come)."""
    with state.lock:
        now = state.clock.now_utc()
        due = [
            i
            for i in sorted(state.queue, key=lambda i: i["seq"])
            if i["process_at"] is None or i["process_at"] <= now
        ]
        order: list[str] = []
        for item in due:
            if item["webhook"] not in order:
                order.append(item["webhook"])
        batches = []
        for hook_id in order:
            hook = state.webhooks.get(hook_id)
            items = [i for i in due if i["webhook"] == hook_id][:BATCH]
            if hook is None:
                state.queue = [i for i in state.queue if i["webhook"] != hook_id]
                continue
            batches.append((hook, items))
    sent = []
    for hook, items in batches:
        body = php_json([i["data"] for i in items])
        parts = urlsplit(hook["url"])
        headers = [
            ("Host", parts.netloc),
            ("Accept", "*/*"),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Signature", signature(hook["id"], hook["secretKey"], body)),
            ("X-Signature", legacy_signature(hook["id"], hook["secretKey"], body)),
        ]
        status = _post(hook["url"], headers, body)
        with state.lock:
            done = []
            final = 200 <= status < 300 or status not in RETRY and status != 0
            for item in items:
                item["attempts"] += 1
                if final or item["attempts"] >= ATTEMPTS:
                    done.append(item)
                else:
                    item["process_at"] = state.clock.now_utc() + RETRY_DELAY
            state.queue = [i for i in state.queue if i not in done]
            if status == 410:
                state.webhooks.pop(hook["id"], None)
                state.queue = [i for i in state.queue if i["webhook"] != hook["id"]]
            record = {
                "webhook": hook["id"],
                "event": hook["event"],
                "url": hook["url"],
                "status": status,
                "headers": headers,
                "body": body.decode(),
            }
            state.deliveries.append(record)
            sent.append(record)
    return sent
