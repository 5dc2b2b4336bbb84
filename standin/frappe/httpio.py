"""Requests and answers the way Frappe reads and writes them.

Frappe's `form_dict` is the query string plus a form body, or the JSON body
alone: with a JSON body the query string is ignored (contract README, task
endpoints). Answers are JSON unless a page or a redirect is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from standin import httpio
from standin.httpio import Response, html_response, json_response


@dataclass
class Request(httpio.Request):
    """A request to a Frappe site, with what authentication and the cost model add."""

    user: object = None  # set by authentication
    auth_kind: str = "guest"  # guest | session | token | basic | bearer
    sid: str | None = None
    # Rows a list answer returned (main_page_buckets: loaded): what the cost model charges.
    rows: int | None = None

    @property
    def args(self) -> dict:
        """Frappe's form_dict for /api/method calls."""
        data = self.json_body()
        if isinstance(data, dict):
            return data
        return {**self.query, **self.form}


def message(obj, **extra) -> Response:
    return json_response({"message": obj, **extra})


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
