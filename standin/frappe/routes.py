"""Dispatch a request to the site's API, as Frappe's router would."""

from __future__ import annotations

from standin.frappe import errors, pages
from standin.frappe.api import core, documented, mobile, resource
from standin.frappe.auth import authenticate
from standin.frappe.flavours.meta import task_meta
from standin.frappe.httpio import Request
from standin.httpio import Response, html_response, json_response

OAUTH_PREFIX = "frappe.integrations.oauth2."
# Modules that exist on every site; a missing attribute of one of them is
# reported differently from a missing module [245, 246].
BASE_MODULES = {
    "frappe.auth",
    "frappe.client",
    "frappe.core.doctype.user.user",
    "frappe.integrations.oauth2",
}


def method_table(site) -> dict[str, tuple]:
    table = dict(core.METHODS)
    if site.flavour.name == "deployed":
        table.update({mobile.PREFIX + k: v for k, v in mobile.METHODS.items()})
    elif site.flavour.name == "documented":
        table.update({mobile.PREFIX + k: v for k, v in documented.METHODS.items()})
    table.update({OAUTH_PREFIX + k: v for k, v in site.oauth.methods().items()})
    return table


def call_method(site, req: Request, cmd: str) -> Response:
    cmd = cmd.strip("/")
    entry = site.methods.get(cmd)
    if entry is None:
        module, _, attr = cmd.rpartition(".")
        modules = BASE_MODULES | ({mobile.PREFIX[:-1]} if site.flavour.has_mobile_api else set())
        if module in modules:
            reason = f"module '{module}' has no attribute '{attr}'"
        else:
            reason = f"No module named '{module or cmd}'"
        # Looked up before the whitelist check, so guests get it too [245, 246].
        raise errors.failed_method(cmd, reason)
    func, allow_guest = entry
    if req.user is None and not allow_guest:
        raise errors.not_whitelisted(cmd)
    return func(site, req)


def meta(site, req: Request, doctype: str) -> Response:
    """Any logged-in user may read a doctype's meta on Frappe 15+ [200]."""
    if req.user is None:
        raise errors.no_read_permission("Guest", "DocType")
    if doctype != "CRM Task":
        raise errors.not_found("DocType", doctype)
    return json_response(
        {
            "data": task_meta(
                site.flavour, site.select_options().get("task_type", ()), site.started_at
            )
        }
    )


def well_known(site, req: Request) -> Response:
    """An empty 301 to the discovery method [115]."""
    resp = html_response("", 301)
    resp.headers.append(("Location", "/api/method/" + OAUTH_PREFIX + "openid_configuration"))
    resp.headers.append(("Cache-Control", "no-store, no-cache, must-revalidate"))
    return resp


def dispatch(site, req: Request) -> Response:
    try:
        authenticate(site, req)
        path = req.path
        if path.startswith("/api/method/"):
            return call_method(site, req, path[len("/api/method/") :])
        if path.startswith("/api/resource/"):
            return resource.handle(site, req, path[len("/api/resource/") :].rstrip("/"))
        if path.startswith("/api/v2/doctype/") and path.endswith("/meta"):
            return meta(site, req, path[len("/api/v2/doctype/") : -len("/meta")])
        if path == "/.well-known/openid-configuration":
            return well_known(site, req)
        handler = pages.PAGES.get(path)
        if handler is not None:
            return handler(site, req)
        return pages.not_found(site, req)
    except errors.FrappeError as exc:
        return json_response(exc.body(), exc.status)
