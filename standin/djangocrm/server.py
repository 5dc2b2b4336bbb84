"""Routing and the wire: bodies as JSON, form or multipart [039, 105, 136], the errors the
middleware answers before any view (403 without an org [001], 403 for a read-only token
that writes [078]), Django's HTML 404 for a path no URL pattern takes [085], and each
view's ``Allow`` header."""

from __future__ import annotations

import re
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs, parse_qsl

from standin.djangocrm import auth, orgs, render, tasks
from standin.djangocrm.state import State
from standin.httpio import Request, Response, html_response, json_response
from standin.server import _Handler

ORG_CONTEXT = {"detail": "Organization context is required. Please login again."}
NOT_SCOPED = {"detail": "This token is not scoped for write access to tasks."}
EXPIRED = {
    "detail": "Given token not valid for any token type",
    "code": "token_not_valid",
    "messages": [{"token_class": "AccessToken", "token_type": "access",
                  "message": "Token is expired"}],
}  # fmt: skip
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
ENTRY = "GET, POST, HEAD, OPTIONS"
POST_ONLY = "POST, OPTIONS"
READ = "GET, HEAD, OPTIONS"
TASK = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"

# (pattern, allow, who may call): "anyone", "user" (an org-less JWT will do) or "org".
ROUTES = [
    (r"/api/auth/magic-link/request/", POST_ONLY, "anyone"),
    (r"/api/auth/magic-link/verify/", POST_ONLY, "anyone"),
    (r"/api/auth/magic-link/verify-code/", POST_ONLY, "anyone"),
    (r"/api/auth/refresh-token/", POST_ONLY, "anyone"),
    (r"/api/auth/logout/", POST_ONLY, "anyone"),
    (r"/api/auth/me/", READ, "user"),
    (r"/api/auth/switch-org/", POST_ONLY, "user"),
    (r"/api/org/", ENTRY, "user"),
    (r"/api/org/settings/", "GET, PATCH, HEAD, OPTIONS", "org"),
    (r"/api/org/api-key/", ENTRY, "org"),
    (r"/api/users/", ENTRY, "org"),
    (r"/api/profile/tokens/", ENTRY, "org"),
    (r"/api/accounts/", ENTRY, "org"),
    (r"/api/contacts/", ENTRY, "org"),
    (r"/api/teams/", ENTRY, "org"),
    (r"/api/activities/", READ, "org"),
    (r"/api/notifications/", READ, "org"),
    (r"/api/tasks/", ENTRY, "org"),
    (r"/api/tasks/kanban/", READ, "org"),
    (rf"/api/tasks/(?P<task>{UUID})/", TASK, "org"),
    (rf"/api/tasks/(?P<task>{UUID})/move/", "PATCH, OPTIONS", "org"),
    (rf"/api/tasks/comment/(?P<comment>{UUID})/", "PUT, PATCH, DELETE, OPTIONS", "org"),
    (rf"/api/tasks/attachment/(?P<attachment>{UUID})/", "DELETE, OPTIONS", "org"),
]
COMPILED = [(re.compile(pattern + "$"), allow, who) for pattern, allow, who in ROUTES]


def parse_body(req: Request) -> tuple[dict, dict]:
    """(fields, uploaded file names) of a JSON, form or multipart body."""
    ctype = req.content_type
    if ctype == "application/json":
        data = req.json_body()
        return (data if isinstance(data, dict) else {}), {}
    if ctype == "application/x-www-form-urlencoded":
        return dict(parse_qsl(req.body.decode("utf-8"), keep_blank_values=True)), {}
    if ctype == "multipart/form-data":
        head = f"Content-Type: {req.header('content-type')}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + req.body)
        fields, files = {}, {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                files[name] = part.get_filename()
            else:
                fields[name] = part.get_content().strip() if part.get_content() else ""
        return fields, files
    return {}, {}


def not_found_page(path: str) -> Response:
    """Django's DEBUG 404 page, kept to what a client can tell: status and title [085]."""
    title = f"Page not found at {path}"
    page = (
        f'<!DOCTYPE html>\n<html lang="en">\n<head><title>{title}</title></head>\n'
        f"<body><h1>Page not found <span>(404)</span></h1><p>{path}</p></body>\n</html>\n"
    )
    resp = html_response(page, 404)
    resp.headers.append(("Vary", "origin"))
    return resp


def _answer(status: int, body, allow: str | None) -> Response:
    resp = json_response(body, status)
    if allow is None:
        resp.headers.append(("Vary", "origin"))  # answered by middleware, before any view
    else:
        resp.headers += [("Vary", "Accept, origin"), ("Allow", allow)]
    return resp


def dispatch(state: State, req: Request) -> Response:
    found = [(m, allow, who) for p, allow, who in COMPILED if (m := p.match(req.path))]
    if not found:
        return not_found_page(req.path)
    [(match, allow, who)] = found
    body, files = parse_body(req)
    query = parse_qs(req.query_string, keep_blank_values=True)
    with state.lock:
        cred, why = auth.resolve(state, req.headers)
        if who == "org" and (cred is None or cred.profile is None):
            return _answer(403, ORG_CONTEXT, None)  # none, garbage, expired or org-less [134]
        if who == "user" and cred is None:
            if why == "expired":  # simplejwt's own answer outside the org middleware [135]
                resp = _answer(401, EXPIRED, allow)
                resp.headers.append(("WWW-Authenticate", 'Bearer realm="api"'))
                return resp
            return _answer(401, {"detail": "Authentication credentials were not provided."},
                           allow)  # fmt: skip
        writes = req.method in ("POST", "PUT", "PATCH", "DELETE")
        if req.path.startswith("/api/tasks/") and writes and not cred.can_write:
            return _answer(403, NOT_SCOPED, None)
        status, answer = route(state, cred, req.method, req.path, match.groupdict(), query,
                               body, files)  # fmt: skip
    return _answer(status, answer, allow)


def route(state, cred, method, path, ids, query, body, files) -> tuple[int, dict]:
    simple = {
        ("POST", "/api/auth/magic-link/request/"): lambda: orgs.request_sign_in(state, body),
        ("POST", "/api/auth/magic-link/verify/"): lambda: orgs.verify_link(state, body),
        ("POST", "/api/auth/magic-link/verify-code/"): lambda: orgs.verify_code(state, body),
        ("POST", "/api/auth/refresh-token/"): lambda: orgs.refresh(state, body),
        ("POST", "/api/auth/logout/"): lambda: orgs.logout(state, body),
        ("GET", "/api/auth/me/"): lambda: (200, render.me(state, cred.user)),
        ("POST", "/api/auth/switch-org/"): lambda: orgs.switch_org(state, cred, body),
        ("POST", "/api/org/"): lambda: orgs.create_org(state, cred, body),
        ("PATCH", "/api/org/settings/"): lambda: orgs.org_settings(state, cred, body),
        ("GET", "/api/org/api-key/"): lambda: orgs.api_key(state, cred),
        ("POST", "/api/users/"): lambda: orgs.invite(state, cred, body),
        ("POST", "/api/profile/tokens/"): lambda: orgs.create_pat(state, cred, body),
        ("POST", "/api/accounts/"): lambda: orgs.create_account(state, cred, body),
        ("POST", "/api/contacts/"): lambda: orgs.create_contact(state, cred, body),
        ("POST", "/api/teams/"): lambda: orgs.create_team(state, cred, body),
        ("GET", "/api/activities/"): lambda: orgs.activities(state, cred),
        ("GET", "/api/notifications/"): lambda: orgs.notifications(state, cred),
        ("GET", "/api/tasks/"): lambda: tasks.listing(state, cred, query),
        ("POST", "/api/tasks/"): lambda: tasks.create(state, cred, body),
        ("GET", "/api/tasks/kanban/"): lambda: (200, tasks.kanban(state, cred)),
    }
    if (method, path) in simple:
        return simple[(method, path)]()
    if "comment" in ids:
        return tasks.edit_comment(state, cred, ids["comment"], body, method)
    if "attachment" in ids and method == "DELETE":
        return tasks.delete_attachment(state, cred, ids["attachment"])
    if "task" in ids:
        task, refusal = tasks.find(state, cred, ids["task"])
        if refusal:
            return refusal
        if path.endswith("/move/") and method == "PATCH":
            return tasks.move(state, cred, task, body)
        if method == "GET":
            return 200, tasks.detail(state, cred, task)
        if method == "POST":
            return 200, tasks.add_to(state, cred, task, body, files)
        if method in ("PUT", "PATCH"):
            return tasks.update(state, cred, task, body, partial=method == "PATCH")
        if method == "DELETE":
            return tasks.delete(state, cred, task)
    return 405, {"detail": f'Method "{method}" not allowed.'}


class Handler(_Handler):
    """One request: logged for tests (``site.requests``), then dispatched."""

    def serve(self) -> None:
        site = self.server.site
        req = self._request()
        fields, _ = parse_body(req)
        site.requests.append(
            {
                "method": req.method,
                "path": req.path,
                "query": parse_qs(req.query_string),
                "body": fields or None,
            }
        )
        self.send(dispatch(site.state, req))
