"""Requests and responses of any emulated CRM: the request as the handler read it
(path, query, headers, cookies, a JSON or form body) and the answer to send.

What one CRM reads beyond that lives in its package: Frappe's `form_dict`, the
authenticated user and its `message`/redirect answers in `standin.frappe.httpio`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, unquote


@dataclass
class Request:
    method: str
    raw_path: str  # path as sent, percent-encoded
    query_string: str
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    client: str = "127.0.0.1"

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


def html_response(html: str, status: int = 200) -> Response:
    return Response(status, html.encode("utf-8"), "text/html; charset=utf-8")
