"""Requests and responses, parsed the way Frappe reads them.

Frappe's `form_dict` is the query string plus a form body, or the JSON body
alone: with a JSON body the query string is ignored (contract README, task
endpoints). Answers are JSON unless a page or a redirect is asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, quote, unquote


@dataclass
class Request:
    method: str
    raw_path: str  # path as sent, percent-encoded
    query_string: str
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    client: str = "127.0.0.1"
    user: object = None  # set by authentication
    auth_kind: str = "guest"  # guest | session | token | basic | bearer
    sid: str | None = None
    # Rows a list answer returned (main_page_buckets: loaded): what the cost model charges.
    rows: int | None = None

    @property
    def path(self) -> str:
        return unquote(self.raw_path)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    @property
    def host(self) -> str:
        return self.header("host") or "127.0.0.1"

    @property
    def base_url(self) -> str:
        """What Frappe's request.host_url gives: the scheme and the Host header [142]."""
        return f"http://{self.host}"

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    @property
    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        try:
            jar.load(self.header("cookie") or "")
        except Exception:  # a malformed Cookie header is ignored, like a browser would
            return {}
        return {k: m.value for k, m in jar.items()}

    def json_body(self):
        if self.content_type != "application/json" or not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            return None

    @property
    def form(self) -> dict[str, str]:
        if self.content_type == "application/x-www-form-urlencoded":
            return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
        return {}

    @property
    def args(self) -> dict:
        """Frappe's form_dict for /api/method calls."""
        data = self.json_body()
        if isinstance(data, dict):
            return data
        return {**self.query, **self.form}


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def json_response(obj, status: int = 200) -> Response:
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, "application/json")


def message(obj, **extra) -> Response:
    return json_response({"message": obj, **extra})


def html_response(html: str, status: int = 200) -> Response:
    return Response(status, html.encode("utf-8"), "text/html; charset=utf-8")


def redirect(location: str, status: int = 302) -> Response:
    """A redirect with Frappe's small "Redirecting..." page [142-144]."""
    target = escape(location)
    html = (
        "<!doctype html>\n<html><head><title>Redirecting...</title></head>"
        f'<body><h1>Redirecting...</h1><p>You should be redirected to <a href="{target}">'
        f"{target}</a>.</p></body></html>"
    )
    resp = html_response(html, status)
    resp.headers.append(("Location", location))
    return resp


def cookie_header(name: str, value: str, *, expires: bool = False, http_only: bool = False) -> str:
    text = f"{name}={quote(value, safe='@')}; Path=/; SameSite=Lax"
    if expires:
        text += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"
    if http_only:
        text += "; HttpOnly"
    return text
