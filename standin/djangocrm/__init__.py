"""A stand-in Django-CRM (BottleCRM) site: the Tasks API as the recordings of a real site show it
(contract/djangocrm/), for tests and demos. One organisation, its users, personal access tokens
and tasks, in memory; served by a threaded HTTP server on loopback.

What it reproduces, values included: the list's shape (``totals``, ``tasks_count``, ``offset``
= the next offset, ``null`` on the last page, ``0`` past the end), rows ordered by UUID, the
filters (``status``/``priority`` exact and repeatable, an unknown status dropped so it filters
nothing, ``assigned_to`` by profile id, ``due_date__gte/__lte``, ``title``/``search``), create
answering a message without the id and saving before it checks assignees, PATCH answering a
message, delete then "No such task.", 403 "Organization context is required" for a missing or
unknown token, 403 for a read-only token that writes, and a USER seeing only tasks they created
or are assigned to.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

STATUSES = ("New", "In Progress", "Completed")
PRIORITIES = ("Low", "Medium", "High")
ORG_CONTEXT = {"detail": "Organization context is required. Please login again."}


@dataclass
class User:
    email: str
    role: str = "USER"  # or ADMIN
    user_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    profile_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Token:
    user: User
    scopes: tuple[str, ...]


class DjangoCrmSite:
    """``with DjangoCrmSite(...) as site``: serving at ``site.url`` until the block ends."""

    def __init__(self, *, users: list[str], admins: list[str] = (), time_zone: str = "UTC",
                 org_name: str = "Lab Org") -> None:  # fmt: skip
        self.org_id = str(uuid.uuid4())
        self.org_name = org_name
        self.zone = ZoneInfo(time_zone)
        self.users = {e: User(e, role="ADMIN" if e in admins else "USER") for e in users}
        self.tokens: dict[str, Token] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.today: date | None = None  # None: the real date in the organisation's zone
        self._server: ThreadingHTTPServer | None = None

    # -- control (tests and demos call these directly) -----------------------------------------

    def token_for(self, email: str, *, scopes=("tasks:read", "tasks:write")) -> str:
        token = "bcrm_pat_" + secrets.token_urlsafe(32)
        self.tokens[token] = Token(self.users[email], tuple(scopes))
        return token

    def insert(self, *, title: str, status: str = "New", priority: str = "Medium",
               due: date | None = None, assignees=(), created_by: str | None = None,
               description: str | None = None) -> str:  # fmt: skip
        task_id = str(uuid.uuid4())
        creator = self.users[created_by] if created_by else next(iter(self.users.values()))
        with self.lock:
            self.tasks[task_id] = {
                "id": task_id, "title": title, "status": status, "priority": priority,
                "due_date": due.isoformat() if due else None, "description": description,
                "assigned_to": [self.users[e].profile_id for e in assignees],
                "created_by": creator.email,
                "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            }  # fmt: skip
        return task_id

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> DjangoCrmSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                site.requests.append({"method": method, "path": parts.path, "query": query,
                                      "body": body})  # fmt: skip
                status, answer = site.handle(method, parts.path, query, body,
                                             self.headers.get("Authorization", ""))  # fmt: skip
                self._answer(status, answer)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_PATCH(self):
                self._handle("PATCH")

            def do_PUT(self):
                self._handle("PUT")

            def do_DELETE(self):
                self._handle("DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- the API -----------------------------------------------------------------------------

    def _today(self) -> date:
        return self.today or datetime.now(self.zone).date()

    def handle(self, method, path, query, body, authorization):
        token = self.tokens.get(authorization.removeprefix("Bearer ").strip())
        if token is None:
            return 403, ORG_CONTEXT
        user = token.user
        if path == "/api/auth/me/" and method == "GET":
            return 200, {"id": user.user_id, "email": user.email, "profile_pic": None,
                         "is_active": True, "organizations": [{"id": self.org_id,
                         "name": self.org_name, "role": user.role,
                         "is_organization_admin": user.role == "ADMIN"}]}  # fmt: skip
        if not path.startswith("/api/tasks/"):
            return 404, {"detail": "Not found."}
        writes = method in ("POST", "PATCH", "PUT", "DELETE")
        if writes and "tasks:write" not in token.scopes:
            return 403, {"detail": "This token is not scoped for write access to tasks."}
        ident = path.removeprefix("/api/tasks/").strip("/")
        with self.lock:
            if not ident:
                if method == "GET":
                    return 200, self._list(user, query)
                if method == "POST":
                    return self._create(user, body or {})
                return 405, {"detail": f'Method "{method}" not allowed.'}
            task = self.tasks.get(ident)
            if task is None or not self._visible(user, task):
                return 404, {"detail": "No such task."}
            if method == "GET":
                return 200, {"task_obj": self._row(task, full=True), "comments": [],
                             "attachments": [], "users": self._users()}  # fmt: skip
            if method == "PATCH":
                return self._patch(task, body or {})
            if method == "DELETE":
                del self.tasks[ident]
                return 200, {"error": False, "message": "Task deleted Successfully"}
        return 405, {"detail": f'Method "{method}" not allowed.'}

    def _visible(self, user: User, task: dict) -> bool:
        return (user.role == "ADMIN" or task["created_by"] == user.email
                or user.profile_id in task["assigned_to"])  # fmt: skip

    def _users(self) -> list[dict]:
        return [{"id": u.profile_id, "user__email": u.email} for u in self.users.values()]

    def _row(self, task: dict, *, full: bool = False) -> dict:
        by_profile = {u.profile_id: u for u in self.users.values()}
        people = [
            {"id": p, "user_details": {"email": by_profile[p].email, "id": by_profile[p].user_id}}
            for p in task["assigned_to"] if p in by_profile
        ]  # fmt: skip
        row = {k: task[k] for k in ("id", "title", "status", "priority", "due_date")}
        row.update(account=None, opportunity=None, case=None, lead=None, assigned_to=people,
                   tags=[], created_at=task["created_at"])  # fmt: skip
        if full:
            creator = self.users.get(task["created_by"])
            row["description"] = task["description"]
            row["created_by"] = {"id": creator.user_id if creator else None,
                                 "email": task["created_by"]}  # fmt: skip
        return row

    def _list(self, user: User, query: dict) -> dict:
        rows = [t for t in sorted(self.tasks.values(), key=lambda t: t["id"])
                if self._visible(user, t)]  # fmt: skip
        statuses = [s for s in query.get("status", []) if s in STATUSES]  # unknown: dropped
        if statuses:
            rows = [t for t in rows if t["status"] in statuses]
        priorities = query.get("priority", [])
        if priorities:
            rows = [t for t in rows if t["priority"] in priorities]

        def holds(task: dict, text: str, key: str) -> bool:
            fields = [task["title"]] + ([task["description"]] if key == "search" else [])
            return any(text.lower() in (f or "").lower() for f in fields)

        for key in ("title", "search"):
            for text in query.get(key, []):
                rows = [t for t in rows if holds(t, text, key)]
        for profile in query.get("assigned_to", []):
            rows = [t for t in rows if profile in t["assigned_to"]]
        for text in query.get("due_date__gte", []):
            rows = [t for t in rows if t["due_date"] and t["due_date"] >= text]
        for text in query.get("due_date__lte", []):
            rows = [t for t in rows if t["due_date"] and t["due_date"] <= text]
        limit = int((query.get("limit") or ["10"])[0])
        offset = int((query.get("offset") or ["0"])[0])
        page = rows[offset : offset + limit]
        following = offset + limit if offset + limit < len(rows) else None
        if not page and offset:
            following = 0  # an empty page past the end [074]
        today = self._today().isoformat()
        open_rows = [t for t in rows if t["status"] != "Completed"]
        answer = {
            "totals": {
                "count": len(rows), "open": len(open_rows),
                "overdue": sum(1 for t in open_rows if t["due_date"] and t["due_date"] < today),
                "due_today": sum(1 for t in open_rows if t["due_date"] == today),
                "due_this_week": 0,
                "no_due_date": sum(1 for t in rows if not t["due_date"]),
                "unassigned": sum(1 for t in rows if not t["assigned_to"]),
            },
            "tasks_count": len(rows), "offset": following,
            "tasks": [self._row(t) for t in page],
            "status": [[s, s] for s in STATUSES], "priority": [[p, p] for p in PRIORITIES],
            "users": self._users(),
        }  # fmt: skip
        if query.get("slim") != ["true"]:
            answer.update(accounts_list=[], contacts_list=[])
        return answer

    def _check(self, body: dict, *, partial: bool) -> dict | None:
        errors = {}
        if not partial and not body.get("title"):
            errors["title"] = ["This field is required."]
        if "status" in body and body["status"] not in STATUSES:
            errors["status"] = [f'"{body["status"]}" is not a valid choice.']
        if "priority" in body and body["priority"] not in PRIORITIES:
            errors["priority"] = [f'"{body["priority"]}" is not a valid choice.']
        due = body.get("due_date")
        if due is not None:
            try:
                date.fromisoformat(due) if len(due) == 10 else (_ for _ in ()).throw(ValueError)
            except (ValueError, TypeError):
                errors["due_date"] = ["Date has wrong format. Use YYYY-MM-DD."]
        return errors or None

    def _create(self, user: User, body: dict):
        errors = self._check(body, partial=False)
        if errors:
            return 400, {"error": True, "errors": errors}
        task_id = str(uuid.uuid4())
        self.tasks[task_id] = {
            "id": task_id, "title": body["title"], "status": body.get("status") or "New",
            "priority": body.get("priority") or "Medium", "due_date": body.get("due_date"),
            "description": body.get("description"), "assigned_to": [],
            "created_by": user.email,
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }  # fmt: skip
        # The task is saved before the assignees are checked [053].
        return self._assign(self.tasks[task_id], body, "Task Created Successfully")

    def _patch(self, task: dict, body: dict):
        errors = self._check(body, partial=True)
        if errors:
            return 400, {"error": True, "errors": errors}
        for key in ("title", "status", "priority", "due_date", "description"):
            if key in body:
                task[key] = body[key]
        return self._assign(task, body, "Task updated Successfully")

    def _assign(self, task: dict, body: dict, message: str):
        if "assigned_to" in body:
            known = {u.profile_id for u in self.users.values()}
            wanted = list(body["assigned_to"] or [])
            bad = [p for p in wanted if p not in known]
            if bad:
                return 400, {"assigned_to": [f"'{bad[0]}' is not a valid id."]}
            task["assigned_to"] = wanted
        return 200, {"error": False, "message": message}
