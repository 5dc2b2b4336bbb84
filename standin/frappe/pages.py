"""HTML pages a browser uses: the login page [161] and a few landing pages.

The login form posts to `/login` (a stand-in convenience, since Frappe's page
posts with JavaScript): on success it sets the session cookies and redirects to
`redirect-to`, which is how the OAuth authorize flow comes back [142].
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from standin.frappe import errors
from standin.frappe.api.core import login_user, session_cookies
from standin.frappe.httpio import Request, redirect
from standin.httpio import Response, html_response

_STYLE = (
    "body{font-family:sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}"
    "label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem}"
    "button{margin-top:1rem;padding:.5rem 1.2rem}.error{color:#b00}"
)


def page(title: str, body: str, status: int = 200) -> Response:
    html = (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
    return html_response(html, status)


def login_page(site, redirect_to: str = "", error: str = "", status: int = 200) -> Response:
    note = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f"<h1>Login to {escape(site.name)}</h1>{note}"
        '<form method="post" action="/login">'
        f'<input type="hidden" name="redirect-to" value="{escape(redirect_to)}">'
        '<label for="usr">Email or user id</label>'
        '<input id="usr" name="usr" autocomplete="username" required>'
        '<label for="pwd">Password</label>'
        '<input id="pwd" name="pwd" type="password" autocomplete="current-password" required>'
        '<button type="submit">Login</button></form>'
    )
    return page("Login", body, status)


def _safe_target(req: Request, target: str) -> str:
    """Only redirect within this site: a relative path or our own host."""
    parts = urlsplit(target or "")
    if (
        not target
        or (parts.netloc and parts.netloc != req.host)
        or parts.scheme not in ("", "http")
    ):
        return "/crm"
    return target


def login(site, req: Request) -> Response:
    if req.method == "GET":
        return login_page(site, req.query.get("redirect-to", ""))
    form = req.form
    try:
        user, sid = login_user(site, form.get("usr", ""), form.get("pwd", ""))
    except errors.FrappeError:
        return login_page(site, form.get("redirect-to", ""), "Invalid login credentials", 401)
    resp = redirect(_safe_target(req, form.get("redirect-to", "")))
    resp.headers.extend(session_cookies(user, sid))
    return resp


def landing(site, req: Request) -> Response:
    who = req.user.full_name if req.user else "Guest"
    links = (
        '<a href="/login">Login</a>'
        if req.user is None
        else ('<form method="post" action="/api/method/logout"><button>Logout</button></form>')
    )
    return page(
        site.name,
        f"<h1>{escape(site.name)}</h1><p>Logged in as "
        f'<strong id="user">{escape(who)}</strong></p>{links}',
    )


def not_found(site, req: Request) -> Response:
    return page("Not Found", f"<h1>Not Found</h1><p>{escape(req.path)}</p>", 404)


PAGES = {"/login": login, "/": landing, "/crm": landing, "/me": landing, "/app": landing}
