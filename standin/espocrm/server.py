"""Routing and the wire of ``/api/v1``: JSON or form bodies (malformed JSON: 500 [059]),
errors as an empty body with ``X-Status-Reason`` [107, 125], ``messageTranslation`` JSON for
validation [051], 401 with an empty HTML body [009], the HTML 404/405 pages [123, 144], and
the records besides Task that the recordings use (Role, User, Team, Account, Webhook,
Preferences, App/user, MassAction)."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from urllib.parse import parse_qsl

from standin.espocrm import auth, tasks, webhooks
from standin.espocrm.state import State, User, php_json
from standin.espocrm.tasks import ApiError
from standin.httpio import Request, Response
from standin.server import _Handler

APPDATA = json.loads((Path(__file__).with_name("appdata.json")).read_text(encoding="utf-8"))
HTML_CT = "text/html; charset=UTF-8"
PAGE = (
    '<!doctype html><html lang="en">    <head>        <meta charset="utf-8">        '
    "<title>{title}</title>    </head>    <body>        <h1>{title}</h1>    </body></html>"
)
ENTITIES = {
    "Task",
    "Webhook",
    "User",
    "Role",
    "Team",
    "Account",
    "Preferences",
    "App",
    "MassAction",
    "Metadata",
}


def _json(body, status: int = 200) -> Response:
    return Response(status, php_json(body), "application/json")


def _error(exc: ApiError) -> Response:
    if exc.body is not None:
        resp = _json(exc.body, exc.status)
    else:
        resp = Response(exc.status, b"", HTML_CT if exc.html else "application/json")
    if exc.reason or exc.status != 500:
        resp.headers.append(("X-Status-Reason", exc.reason))
    return resp


def _page(status: int, title: str, allow: str | None = None) -> Response:
    resp = Response(status, PAGE.format(title=title).encode(), "text/html;charset=UTF-8")
    if allow:
        resp.headers.append(("Allow", allow))
    return resp


def parse_body(req: Request):
    if not req.body:
        return {}
    if req.content_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(req.body.decode("utf-8"), keep_blank_values=True))
    try:
        data = json.loads(req.body.decode("utf-8"))
    except ValueError:
        raise ApiError(500) from None
    return data if isinstance(data, dict) else {}


# -- users, roles, teams, accounts ----------------------------------------------------------------


def role_view(role) -> dict:
    perms = {
        k: "not-set"
        for k in (
            "messagePermission",
            "portalPermission",
            "groupEmailAccountPermission",
            "exportPermission",
            "massUpdatePermission",
            "dataPrivacyPermission",
            "followerManagementPermission",
            "auditPermission",
            "mentionPermission",
            "userCalendarPermission",
        )
    }
    return {
        "id": role.id,
        "name": role.name,
        "deleted": False,
        "assignmentPermission": role.assignment,
        "userPermission": role.user_permission,
        **perms,
        "data": role.data,
        "fieldData": role.field_data,
        "createdAt": role.created_at,
        "modifiedAt": role.created_at,
    }


def user_view(state: State, user: User, *, created: bool = False) -> dict:
    """A User record: the create answer [003-006] or the full GET/PUT one [007, 067]."""
    out = {
        "id": user.id,
        "name": user.name,
        "deleted": False,
        "userName": user.user_name,
        "type": user.type,
        "authMethod": user.auth_method,
    }
    if user.type == "api" or not created:
        out["apiKey"] = user.api_key
    if user.auth_method == "Hmac":
        out["secretKey"] = user.secret_key
    email_data = (
        [
            {
                "emailAddress": user.email,
                "lower": user.email.lower(),
                "primary": True,
                "optOut": False,
                "invalid": False,
            }
        ]
        if user.email
        else []
    )
    email_flag = False if user.email or created else None
    teams_names = {t: state.teams[t]["name"] for t in user.teams}
    default_team = state.teams.get(user.default_team or "")
    roles_names = {r: state.roles[r].name for r in user.roles}
    if created:
        if user.first_name:
            out["firstName"] = user.first_name
        out["lastName"] = user.last_name
        out["isActive"] = user.is_active
        if user.email:
            out["emailAddress"] = user.email
        out.update(
            {
                "createdAt": user.created_at,
                "modifiedAt": user.modified_at,
                "lastAccess": user.last_access,
                "targetListIsOptedOut": False,
                "emailAddressIsOptedOut": False,
                "emailAddressIsInvalid": False,
                "phoneNumberIsOptedOut": False,
                "phoneNumberIsInvalid": False,
            }
        )
    else:
        out.update(
            {
                "salutationName": None,
                "firstName": user.first_name,
                "lastName": user.last_name,
                "isActive": user.is_active,
                "title": None,
                "emailAddress": user.email,
                "phoneNumber": None,
                "avatarColor": None,
                "gender": None,
                "createdAt": user.created_at,
                "modifiedAt": user.modified_at,
                "auth2FA": None,
                "lastAccess": user.last_access,
                "middleName": None,
                "emailAddressIsOptedOut": email_flag,
                "emailAddressIsInvalid": email_flag,
                "phoneNumberIsOptedOut": None,
                "phoneNumberIsInvalid": None,
            }
        )
    out.update({"emailAddressData": email_data, "phoneNumberData": []})
    if not created:
        out["defaultTeamId"] = user.default_team
    out.update(
        {
            "defaultTeamName": default_team["name"] if default_team else None,
            "teamsIds": list(user.teams),
            "teamsNames": teams_names,
            "teamsColumns": {},
            "rolesIds": list(user.roles),
            "rolesNames": roles_names,
            "portalsIds": [],
            "portalsNames": {},
            "portalRolesIds": [],
            "portalRolesNames": {},
        }
    )
    if not created:
        out["contactId"] = None
    out.update(
        {
            "contactName": None,
            "accountsIds": [],
            "accountsNames": {},
            "avatarId": None,
            "avatarName": None,
            "createdById": user.created_by,
            "createdByName": state.users[user.created_by].name
            if user.created_by in state.users
            else "System",
        }
    )
    for name in ("dashboardTemplate", "workingTimeCalendar", "layoutSet"):
        if not created:
            out[f"{name}Id"] = None
        out[f"{name}Name"] = None
    return out


def create_user(state: State, data: dict) -> User:
    now = state.stamp()
    user = User(
        state.new_id(),
        data["userName"],
        data.get("type", "regular"),
        first_name=data.get("firstName"),
        last_name=data.get("lastName"),
        password=data.get("password"),
        auth_method=data.get("authMethod"),
        roles=list(data.get("rolesIds") or []),
        email=data.get("emailAddress"),
        created_at=now,
        modified_at=now,
    )
    if user.type == "api":
        user.last_name = user.user_name  # EspoCRM names an API user by its user name [005]
        user.api_key = secrets.token_hex(16)
        if user.auth_method == "Hmac":
            user.secret_key = secrets.token_hex(16)
    state.users[user.id] = user
    return user


def update_user(state: State, user: User, data: dict) -> None:
    if "teamsIds" in data:
        user.teams = list(data["teamsIds"])
    if "defaultTeamId" in data:
        user.default_team = data["defaultTeamId"]
    if "isActive" in data:
        user.is_active = bool(data["isActive"])
    if "rolesIds" in data:
        user.roles = list(data["rolesIds"])
    user.modified_at = state.stamp()


def app_user(state: State, user: User, token: str | None) -> dict:
    if user.type == "admin":
        acl = APPDATA["admin"]["acl"]
        settings = APPDATA["admin"]["settings"]
    else:
        base = APPDATA["user"]
        table = dict(base["table"])
        fields = dict(base["fieldTable"])
        quick = dict(base["fieldTableQuickAccess"])
        empty = {
            "attributes": {"read": {"yes": [], "no": []}, "edit": {"yes": [], "no": []}},
            "fields": {"read": {"yes": [], "no": []}, "edit": {"yes": [], "no": []}},
        }
        for name in ("Account", "Webhook", "Task"):
            entry = auth.scope(state, user, name)
            if entry is None:
                continue
            if isinstance(entry, dict):
                entry = {
                    k: entry.get(k, "no") for k in ("read", "stream", "edit", "delete", "create")
                }
            table[name] = entry
            fields[name] = {}
            quick[name] = empty
        perms = dict(base["permissions"])
        perms["assignmentPermission"] = auth.permission(state, user, "assignment")
        perms["userPermission"] = auth.permission(state, user, "user_permission")
        perms["massUpdatePermission"] = auth.permission(state, user, "mass_update")
        acl = {"table": table, "fieldTable": fields}
        acl.update({k: v for k, v in perms.items()})
        acl["fieldTableQuickAccess"] = quick
        order = list(APPDATA["admin"]["acl"])
        acl = {k: acl[k] for k in order if k in acl}
        settings = dict(base["settings"])
        if "microtime" in settings:  # the moment of the answer
            settings["cacheTimestamp"] = int(state.clock.now_utc().timestamp())
            settings["microtime"] = round(state.clock.now_utc().timestamp(), 6)
        if "Account" in table:
            tabs = list(settings["tabList"])
            tabs.insert(1, "Account")
            settings.update(
                tabList=tabs,
                quickCreateList=["Account", "Task"],
                globalSearchEntityList=["Account"],
            )
    keys = APPDATA["admin_user_keys" if user.type == "admin" else "user_keys"]
    full = user_view(state, user)
    full.update(
        {
            "ipAddress": "127.0.0.1",
            "emailAddressList": [user.email] if user.email else [],
            "userEmailAddressList": [user.email] if user.email else [],
            "excludeFromReplyEmailAddressList": [],
        }
    )
    return {
        "user": {k: full.get(k) for k in keys},
        "acl": acl,
        "preferences": {
            "id": user.id,
            **{k: v for k, v in APPDATA["preferences"].items() if k != "id"},
        },
        "token": token,
        "settings": settings,
        "language": "en_US",
        "appParams": APPDATA["appParams"],
    }


def preferences(user: User) -> dict:
    prefs = {k: v for k, v in APPDATA["preferences"].items() if k != "id"}
    return {"id": user.id, "name": user.name, "timeZone": user.time_zone, **prefs}


# -- dispatch -------------------------------------------------------------------------------------


def dispatch(site, req: Request) -> Response:
    state: State = site.state
    if not req.path.startswith("/api/v1/"):
        return _page(404, "404 Not Found")
    path = req.path[len("/api/v1") :]
    parts = [p for p in path.split("/") if p]
    with state.lock:
        try:
            user, token, token_secret = auth.resolve(
                state, req.method, path, req.headers, req.cookies
            )
        except auth.AuthError as exc:
            resp = Response(exc.status, b"", HTML_CT)
            if exc.www:
                resp.headers.append(("WWW-Authenticate", 'Basic realm=""'))
            if exc.reason:
                resp.headers.insert(0, ("X-Status-Reason", exc.reason))
            return resp
        user.last_access = state.stamp()
        try:
            resp = route(site, state, user, req, parts, token)
        except ApiError as exc:
            return _error(exc)
        if token_secret:
            resp.headers.append(("Set-Cookie", f"auth-token-secret={token_secret}; path=/"))
        return resp


def _find_task(state: State, task_id: str, verb: str) -> dict:
    task = state.tasks.get(task_id)
    if task is None:
        raise ApiError(
            404, f"Record {task_id} " + ("does not exist." if verb == "read" else "not found.")
        )
    return task


def route(site, state: State, user: User, req: Request, parts: list[str], token) -> Response:
    method = req.method
    if not parts or parts[0] not in ENTITIES:
        raise ApiError(404, f"Controller '{parts[0] if parts else ''}' does not exist.")
    entity = parts[0]
    if len(parts) == 3 and parts[1] == "action":
        reason = f"Action {method} '{parts[2]}' does not exist in controller '{entity}'."
        raise ApiError(404, "" if method == "DELETE" else reason)
    if len(parts) > 3 or (len(parts) == 3 and not (entity == "Account" and parts[2] == "tasks")):
        return _page(404, "404 Not Found")
    if len(parts) == 2 and method == "POST":
        return _page(405, "405 Method Not Allowed", "GET, DELETE, PUT, PATCH")
    body = parse_body(req) if method in ("POST", "PUT", "PATCH") else {}
    query = parse_qsl(req.query_string, keep_blank_values=True)
    if entity == "App" and parts[1:] == ["user"]:
        return _json(app_user(state, user, token))
    if entity == "Task":
        return task_route(site, state, user, req, method, parts, body, query)
    if entity == "Webhook":
        return webhook_route(state, user, method, parts, body, query)
    if entity == "MassAction" and method == "POST":
        return mass_action(site, state, user, body)
    if entity == "Metadata":
        key = dict(query).get("key", "")
        if key == "entityDefs.Task.fields.status":
            return _json(STATUS_META)
        return _json(None)
    if entity == "Preferences" and len(parts) == 2 and method == "PUT":
        target = state.users[parts[1]]
        if "timeZone" in body:
            target.time_zone = body["timeZone"] or ""
        return _json(preferences(target))
    if entity == "Account" and len(parts) == 3:
        account = state.accounts[parts[1]]
        rows = [t for t in state.tasks.values() if t.get("parentId") == account["id"]]
        rows.sort(key=lambda t: (t["createdAt"], t["id"]), reverse=True)
        return _json(
            {
                "total": len(rows),
                "list": [tasks.row(state, user, t, ["name"], "createdAt") for t in rows],
            }
        )
    if user.type != "admin" and method != "GET":
        raise ApiError(403, f"No access to '{entity}'.")
    if entity == "Role" and method == "POST":
        from standin.espocrm.state import Role

        role = Role(
            state.new_id(),
            body["name"],
            body.get("data") or {},
            body.get("fieldData") or {},
            body.get("assignmentPermission", "not-set"),
            body.get("userPermission", "not-set"),
            body.get("massUpdatePermission", "not-set"),
            state.stamp(),
        )
        state.roles[role.id] = role
        return _json(role_view(role))
    if entity == "User":
        if method == "POST":
            return _json(user_view(state, create_user(state, body), created=True))
        if method == "GET" and len(parts) == 2:
            return _json(user_view(state, state.users[parts[1]]))
        if method == "PUT" and len(parts) == 2:
            target = state.users[parts[1]]
            update_user(state, target, body)
            return _json(user_view(state, target))
        if method == "GET":
            return _json(user_list(state, user, dict(query)))
    if entity == "Team" and method == "POST":
        now = state.stamp()
        team = {
            "id": state.new_id(),
            "name": body["name"],
            "deleted": False,
            "createdAt": now,
            "modifiedAt": now,
            "rolesIds": [],
            "rolesNames": {},
            "layoutSetName": None,
            "workingTimeCalendarName": None,
        }
        state.teams[team["id"]] = team
        return _json(team)
    if entity == "Account" and method == "POST":
        return _json(create_account(state, user, body))
    raise ApiError(404, f"Controller '{entity}' does not exist.")


STATUS_META = {
    "type": "enum",
    "options": ["Not Started", "Started", "Completed", "Canceled", "Deferred"],
    "style": {"Completed": "success", "Started": "primary", "Canceled": "info"},
    "default": "Not Started",
    "displayAsLabel": True,
    "labelType": "state",
    "audited": True,
    "fieldManagerAdditionalParamList": [
        {"name": "notActualOptions", "view": "views/admin/field-manager/fields/not-actual-options"}
    ],
    "notActualOptions": ["Completed", "Canceled", "Deferred"],
    "customizationOptionsReferenceDisabled": True,
}


def user_list(state: State, user: User, query: dict) -> dict:
    visible = [u for u in state.users.values() if u.type != "api"]
    if auth.permission(state, user, "user_permission") == "team" and False:
        visible = [u for u in visible if set(u.teams) & set(user.teams)]
    visible.sort(key=lambda u: u.user_name)
    size = int(query.get("maxSize", 200))
    rows = [
        {
            "id": u.id,
            "name": u.user_name,
            "userName": u.user_name,
            "type": u.type,
            "isActive": u.is_active,
            "createdById": u.created_by,
        }
        for u in visible[:size]
    ]
    return {"total": len(visible), "list": rows}


def create_account(state: State, user: User, body: dict) -> dict:
    now = state.stamp()
    assigned = state.users.get(body.get("assignedUserId") or "")
    account = {
        "id": state.new_id(),
        "name": body["name"],
        "deleted": False,
        "contactIsInactive": False,
        "createdAt": now,
        "modifiedAt": now,
        "targetListIsOptedOut": False,
        "emailAddressIsOptedOut": False,
        "emailAddressIsInvalid": False,
        "phoneNumberIsOptedOut": False,
        "phoneNumberIsInvalid": False,
        "streamUpdatedAt": now,
        "emailAddressData": [],
        "phoneNumberData": [],
        "campaignName": None,
        "createdById": user.id,
        "createdByName": user.name,
        "modifiedByName": None,
        "assignedUserId": assigned.id if assigned else None,
        "assignedUserName": assigned.name if assigned else None,
        "teamsIds": [],
        "teamsNames": {},
        "isFollowed": False,
        "followersIds": [assigned.id] if assigned else [],
        "followersNames": {assigned.id: assigned.name} if assigned else {},
        "isStarred": False,
        "versionNumber": 1,
    }
    state.accounts[account["id"]] = account
    return account


def task_route(site, state, user, req, method, parts, body, query) -> Response:
    if len(parts) == 1:
        if method == "GET":
            return _json(tasks.listing(state, user, query, req.headers))
        if method == "POST":
            task, answer = tasks.create(state, user, body)
            webhooks.queue(state, "create", task)
            return _json(answer)
    task_id = parts[1]
    if method == "GET":
        task = _find_task(state, task_id, "read")
        if not tasks.can(state, user, task, "read"):
            raise ApiError(403, "No 'read' access.")
        return _json(tasks.full_view(state, user, task))
    if method in ("PUT", "PATCH"):
        task = _find_task(state, task_id, "edit")
        changed = tasks.update(state, user, task, body)
        webhooks.queue(state, "update", task, changed)
        return _json(tasks.full_view(state, user, task))
    if method == "DELETE":
        task = _find_task(state, task_id, "delete")
        if not tasks.can(state, user, task, "delete"):
            raise ApiError(403, "No delete access.")
        webhooks.queue(state, "delete", task)
        del state.tasks[task_id]
        return _json(True)
    return _page(405, "405 Method Not Allowed", "GET, DELETE, PUT, PATCH")


def webhook_route(state, user, method, parts, body, query) -> Response:
    if user.type != "admin" and auth.scope(state, user, "Webhook") is not True:
        raise ApiError(403, "No access to 'Webhook'.")
    if len(parts) == 1 and method == "POST":
        hook = webhooks.create(state, user, body)
        resp = _json(webhooks.view(state, hook, created=True), 201)
        return resp
    if len(parts) == 1 and method == "GET":
        mine = [
            h
            for h in state.webhooks.values()
            if user.type == "admin" or h["createdById"] == user.id
        ]
        mine.sort(key=lambda h: h["id"], reverse=True)
        select = dict(query).get("select")
        rows = [webhooks.view(state, h, listed=True) for h in mine]
        if select:
            keep = {"id", *select.split(","), "createdAt", "createdById"}
            rows = [{k: v for k, v in r.items() if k in keep} for r in rows]
        return _json({"total": len(rows), "list": rows})
    hook = state.webhooks.get(parts[1])
    if hook is None:
        raise ApiError(404, f"Record {parts[1]} not found.")
    if method == "PUT" or method == "PATCH":
        if "isActive" in body:
            hook["isActive"] = bool(body["isActive"])
        if "url" in body:
            hook["url"] = body["url"]
        hook["modifiedAt"] = state.stamp()
        hook["modifiedById"] = user.id
        return _json(webhooks.view(state, hook))
    if method == "DELETE":
        del state.webhooks[hook["id"]]
        return _json(True)
    return _json(webhooks.view(state, hook))


def mass_action(site, state: State, user: User, body: dict) -> Response:
    action = body.get("action")
    params = body.get("params") or {}
    if action == "update" and auth.permission(state, user, "mass_update") not in ("yes", "all"):
        raise ApiError(403, "No mass-update permission.", html=True)
    ids = params.get("ids")
    if ids is None:
        where = params.get("where") or []
        ids = [
            t["id"] for t in state.tasks.values() if all(tasks._match(state, t, w) for w in where)
        ]
    done = []
    for task_id in ids:
        task = state.tasks.get(task_id)
        if task is None:
            continue
        if action == "delete" and tasks.can(state, user, task, "delete"):
            webhooks.queue(state, "delete", task)
            del state.tasks[task_id]
            done.append(task_id)
        elif action == "update" and tasks.can(state, user, task, "edit"):
            changed = tasks.update(state, user, task, body.get("data") or {})
            webhooks.queue(state, "update", task, changed)
            done.append(task_id)
    return _json({"count": len(done), "ids": done})


class Handler(_Handler):
    """One request: logged for tests (``site.requests``), then dispatched."""

    def serve(self) -> None:
        site = self.server.site
        req = self._request()
        site.requests.append(
            {
                "method": req.method,
                "path": req.path,
                "query": parse_qsl(req.query_string, keep_blank_values=True),
                "body": req.body.decode("utf-8", "replace") or None,
            }
        )
        self.send(dispatch(site, req))


_ = re  # kept for route patterns
