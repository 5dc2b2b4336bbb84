"""Frappe's own methods: login and logout, who am I, API keys, and the small
frappe.client helpers the portal uses."""

from __future__ import annotations

from standin.frappe import errors
from standin.frappe.api.resource import list_rows, require_task_read
from standin.frappe.httpio import Request, cookie_header, message
from standin.frappe.query import parse_filters
from standin.httpio import Response


def session_cookies(user, sid: str) -> list[tuple[str, str]]:
    """The five cookies a login sets [004]."""
    return [
        ("Set-Cookie", cookie_header("sid", sid, http_only=True)),
        ("Set-Cookie", cookie_header("system_user", "yes" if user.system_user else "no")),
        ("Set-Cookie", cookie_header("full_name", user.full_name)),
        ("Set-Cookie", cookie_header("user_id", user.name)),
        ("Set-Cookie", cookie_header("user_image", "")),
    ]


def login_user(site, usr: str, pwd: str):
    """(user, sid) or a 401 [005]."""
    user = site.users.authenticate(usr, pwd)
    if user is None:
        raise errors.invalid_login()
    return user, site.users.start_session(user, site.timestamp())


def login(site, req: Request) -> Response:
    args = req.args
    user, sid = login_user(site, str(args.get("usr", "")), str(args.get("pwd", "")))
    # A user without roles is a Website User: "No App", home /me [070].
    resp = message(
        "Logged In" if user.system_user else "No App",
        home_page="/crm" if user.system_user else "/me",
        full_name=user.full_name,
    )
    resp.headers.extend(session_cookies(user, sid))
    return resp


def logout(site, req: Request) -> Response:
    """Ends the cookie session; later calls with it are Guest calls [079, 080]."""
    site.users.end_session(req.sid)
    resp = message("No App", home_page="/login", full_name="Guest")
    resp.headers.append(("Set-Cookie", cookie_header("sid", "Guest", http_only=True)))
    for name in ("system_user", "full_name", "user_id", "user_image"):
        resp.headers.append(("Set-Cookie", cookie_header(name, "", expires=True)))
    return resp


def get_logged_user(site, req: Request) -> Response:
    return message(req.user.name)  # the user id, not the email [238]


def _is_system_manager(user) -> bool:
    return user.is_admin or "System Manager" in user.roles


def generate_keys(site, req: Request) -> Response:
    """A new api_secret; the old one stops working [178, 187-189]."""
    if not _is_system_manager(req.user):
        raise errors.no_permission_for("User")
    target = site.users.get(str(req.args.get("user", "")))
    if target is None:
        raise errors.not_found("User", req.args.get("user"))
    return message({"api_secret": site.users.generate_keys(target)})


def get_count(site, req: Request) -> Response:
    args = req.args
    _doctype(args)
    require_task_read(req.user)
    where = parse_filters(args.get("filters"))
    return message(site.store.count(where.sql, where.params))


def get_list(site, req: Request) -> Response:
    args = req.args
    _doctype(args)
    require_task_read(req.user)
    rows = list_rows(site, args)
    req.rows = len(rows)
    return message(rows)


def _doctype(args: dict) -> None:
    doctype = args.get("doctype")
    if doctype != "CRM Task":
        raise errors.not_found("DocType", doctype)


SYSTEM_SETTINGS = {
    "date_format": "dd-mm-yyyy",
    "time_format": "HH:mm:ss",
    "country": None,
    "language": "en",
    "first_day_of_the_week": "Sunday",
}


def get_single_value(site, req: Request) -> Response:
    """System Settings; a Sales User may not read them [205]."""
    args = req.args
    doctype = args.get("doctype")
    if doctype != "System Settings":
        raise errors.not_found("DocType", doctype)
    if not _is_system_manager(req.user):
        raise errors.no_permission_for(doctype)
    field = args.get("field")
    if field == "time_zone":
        return message(site.clock.time_zone)
    return message(SYSTEM_SETTINGS.get(field))


METHODS = {
    "login": (login, True),
    "logout": (logout, True),
    "frappe.auth.get_logged_user": (get_logged_user, False),
    "frappe.core.doctype.user.user.generate_keys": (generate_keys, False),
    "frappe.client.get_count": (get_count, False),
    "frappe.client.get_list": (get_list, False),
    "frappe.client.get_single_value": (get_single_value, False),
}
