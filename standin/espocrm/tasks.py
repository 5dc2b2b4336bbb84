"""Tasks as EspoCRM 9.1 answers them: validation [051-062], UTC dates and all-day
``dateEndDate`` -> ``dateEnd`` 00:00 of the next day in the user's zone [042, 159],
create/GET/update shapes [041, 105, 111], lists with select, order, paging and where
filters [072-103, 164, 172-175], and the access rules of read/edit/delete own [124-133]."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from standin.espocrm import auth
from standin.espocrm.state import NOT_ACTUAL, PRIORITIES, STATUSES, State, User


class ApiError(Exception):
    def __init__(self, status: int, reason: str = "", body=None, html: bool = False) -> None:
        super().__init__(reason)
        self.status, self.reason, self.body, self.html = status, reason, body, html


def validation(field: str, kind: str, entity: str = "Task") -> ApiError:
    reason = f"Field validation failure; entityType: {entity}, field: {field}, type: {kind}."
    body = {
        "messageTranslation": {
            "label": "validationFailure",
            "scope": None,
            "data": {"field": field, "type": kind},
        }
    }
    return ApiError(400, reason, body)


# Attribute order of a full record (GET, update answers) and of a list row.
FULL = [
    "id",
    "name",
    "deleted",
    "status",
    "priority",
    "dateStart",
    "dateEnd",
    "dateStartDate",
    "dateEndDate",
    "dateCompleted",
    "reminders",
    "description",
    "createdAt",
    "modifiedAt",
    "streamUpdatedAt",
    "parentId",
    "parentType",
    "parentName",
    "accountId",
    "accountName",
    "contactId",
    "contactName",
    "createdById",
    "createdByName",
    "modifiedById",
    "modifiedByName",
    "assignedUserId",
    "assignedUserName",
    "teamsIds",
    "teamsNames",
    "attachmentsIds",
    "attachmentsNames",
    "isFollowed",
    "followersIds",
    "followersNames",
    "versionNumber",
    "emailId",
    "attachmentsTypes",
]
ROW = [
    a
    for a in FULL
    if a
    not in (
        "reminders",
        "teamsIds",
        "teamsNames",
        "attachmentsIds",
        "attachmentsNames",
        "isFollowed",
        "followersIds",
        "followersNames",
        "attachmentsTypes",
    )
]
DATES = ("dateStart", "dateEnd", "dateStartDate", "dateEndDate")
WRITABLE = (
    "name",
    "status",
    "priority",
    "description",
    "assignedUserId",
    "parentType",
    "parentId",
    "teamsIds",
) + DATES
ATTRIBUTES = set(FULL) | {"isOverdue"}
DT_RE = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?(\.\d+)?(Z|[+-]\d\d:?\d\d)?$")


def parse_datetime(value: str, field: str) -> str:
    if not isinstance(value, str) or not DT_RE.match(value):
        raise validation(field, "valid")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise validation(field, "valid") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def parse_date(value: str, field: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise validation(field, "valid") from None


def day_start_utc(day: str, zone: str, plus_days: int = 0) -> str:
    local = datetime.combine(
        date.fromisoformat(day) + timedelta(days=plus_days),
        datetime.min.time(),
        ZoneInfo(zone or "UTC"),
    )
    return local.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S")


# -- access ---------------------------------------------------------------------------------------


def can(state: State, user: User, task: dict, action: str) -> bool:
    lvl = auth.level(state, user, "Task", action)
    if lvl == "all":
        return True
    if lvl == "team":
        return task["assignedUserId"] == user.id or bool(set(task["teamsIds"]) & set(user.teams))
    return lvl == "own" and task["assignedUserId"] == user.id


def check_assignment(state: State, user: User, assigned: str | None, teams: list) -> None:
    perm = auth.permission(state, user, "assignment")
    if perm == "all" or assigned is None:
        return
    target = state.users.get(assigned)
    if perm == "team":
        if not user.teams or (
            assigned != user.id and not (target and set(target.teams) & set(user.teams))
        ):
            raise ApiError(403, "Assignment failure: assigned user or team not allowed.")
        if any(t not in user.teams for t in teams):
            raise ApiError(403, "Assignment failure: assigned user or team not allowed.")
    elif perm == "no" and assigned != user.id:
        raise ApiError(403, "Assignment failure: assigned user or team not allowed.")


# -- writes ---------------------------------------------------------------------------------------


def _apply(state: State, user: User, task: dict, data: dict, changed: list[str]) -> None:
    zone = state.clock.time_zone  # the system zone, whatever the user's [159]
    for key in WRITABLE:
        if key not in data:
            continue
        value = data[key]
        if key == "name":
            if value in (None, ""):
                raise validation("name", "required")
            if len(str(value)) > 255:
                raise validation("name", "maxLength")
        elif key == "status" and value not in STATUSES:
            raise validation("status", "valid")
        elif key == "priority" and value not in PRIORITIES:
            raise validation("priority", "valid")
        elif key in ("dateStart", "dateEnd") and value is not None:
            value = parse_datetime(value, key)
        elif key in ("dateStartDate", "dateEndDate") and value is not None:
            value = parse_date(value, key)
        elif key == "assignedUserId" and value is not None and value not in state.users:
            raise ApiError(
                403,
                "Can't relate with non-existing record. entity type: Task, link: assignedUser.",
                {
                    "messageTranslation": {
                        "label": "cannotRelateNonExisting",
                        "scope": None,
                        "data": {"foreignEntityType": "User"},
                    }
                },
            )
        if task.get(key) != value:
            changed.append(key)
        task[key] = value
    for day, moment, plus in (("dateStartDate", "dateStart", 0), ("dateEndDate", "dateEnd", 1)):
        if data.get(day):
            new = day_start_utc(task[day], zone, plus)
            if task.get(moment) != new:
                changed.append(moment)
            task[moment] = new
    if task.get("assignedUserId") is None:
        raise validation("assignedUser", "required")


def _links(state: State, task: dict) -> None:
    assigned = state.users.get(task["assignedUserId"] or "")
    task["assignedUserName"] = assigned.name if assigned else None
    parent = state.accounts.get(task.get("parentId") or "") if task.get("parentType") else None
    task["parentName"] = parent["name"] if parent else None
    task["accountId"] = parent["id"] if parent else None
    task["accountName"] = parent["name"] if parent else None
    task["teamsNames"] = {t: state.teams[t]["name"] for t in task["teamsIds"] if t in state.teams}


def create(state: State, user: User, data: dict) -> tuple[dict, dict]:
    if auth.level(state, user, "Task", "create") == "no":
        raise ApiError(403, "No create access.")
    if data.get("name") in (None, ""):
        raise validation("name", "required")
    now = state.stamp()
    task = {
        "id": None,
        "name": None,
        "deleted": False,
        "status": "Not Started",
        "priority": "Normal",
        **dict.fromkeys(DATES),
        "dateCompleted": None,
        "description": None,
        "createdAt": now,
        "modifiedAt": now,
        "streamUpdatedAt": now,
        "parentId": None,
        "parentType": None,
        "createdById": user.id,
        "modifiedById": None,
        "assignedUserId": None,
        "teamsIds": [],
        "versionNumber": 1,
        "emailId": None,
        "_given": set(),
    }
    changed: list[str] = []
    _apply(state, user, task, data, changed)
    task["_given"] = {k for k in WRITABLE if data.get(k) is not None} | set(changed)
    if task["parentType"] == "Account" and auth.level(state, user, "Account", "read") == "no":
        raise ApiError(
            403,
            "No access for link operation (Task:parent).",
            {
                "messageTranslation": {
                    "label": "noLinkAccess",
                    "scope": None,
                    "data": {"foreignEntityType": "Account", "link": "parent"},
                }
            },
        )
    check_assignment(state, user, task["assignedUserId"], task["teamsIds"])
    if task["status"] == "Completed":
        task["dateCompleted"] = now
    assignee = state.users[task["assignedUserId"]]
    task["followers"] = [assignee.id] if assignee.type != "api" else []  # [156]
    if user.type == "regular" and user.id not in task["followers"]:
        task["followers"].append(user.id)
    task["id"] = state.new_id()
    task["_seq"] = state.next_seq()
    _links(state, task)
    state.tasks[task["id"]] = task
    return task, created_view(state, user, task)


def update(state: State, user: User, task: dict, data: dict) -> list[str]:
    if not can(state, user, task, "edit"):
        raise ApiError(403, "No edit access.")
    draft = dict(task)
    changed: list[str] = []
    _apply(state, user, draft, data, changed)
    if "assignedUserId" in changed or "teamsIds" in changed:
        check_assignment(state, user, draft["assignedUserId"], draft["teamsIds"])
    now = state.stamp()
    if "status" in changed and draft["status"] == "Completed" and not draft["dateCompleted"]:
        draft["dateCompleted"] = now
        changed.append("dateCompleted")
    if draft["modifiedById"] != user.id:
        changed += ["modifiedById", "modifiedByName"]
    draft["modifiedById"] = user.id
    draft["modifiedAt"] = now
    if changed and set(changed) - {"modifiedById", "modifiedByName", "name"}:
        draft["streamUpdatedAt"] = now
    draft["versionNumber"] += 1
    _links(state, draft)
    task.update(draft)
    return changed


# -- rendering ------------------------------------------------------------------------------------


def _value(state: State, user: User | None, task: dict, key: str):
    if key == "createdByName":
        return state.users[task["createdById"]].name
    if key == "modifiedByName":
        modifier = state.users.get(task["modifiedById"] or "")
        return modifier.name if modifier else None
    if key in ("contactId", "contactName"):
        return None
    if key == "reminders":
        return []
    if key in ("attachmentsIds",):
        return []
    if key in ("attachmentsNames", "attachmentsTypes"):
        return {}
    if key == "isFollowed":
        return user is not None and user.id in task["followers"]
    if key == "followersIds":
        return list(task["followers"])
    if key == "followersNames":
        return {u: state.users[u].name for u in task["followers"]}
    if key == "isOverdue":
        return False
    return task.get(key)


def full_view(state: State, user: User, task: dict) -> dict:
    hidden = auth.hidden_fields(state, user, "Task")
    return {k: _value(state, user, task, k) for k in FULL if k not in hidden}


def created_view(state: State, user: User, task: dict) -> dict:
    keys = ["id", "name", "deleted", "status", "priority"]
    keys += [d for d in DATES if task.get(d) is not None]
    keys += ["dateCompleted", "isOverdue", "reminders"]
    keys += ["description"] if task.get("description") is not None else []
    keys += ["createdAt", "modifiedAt", "streamUpdatedAt"]
    if task.get("parentId"):
        keys += [
            "parentId",
            "parentType",
            "parentName",
            "accountId",
            "accountName",
            "contactId",
            "contactName",
        ]
    else:
        keys += ["parentName", "accountName", "contactName"]
    keys += [
        "createdById",
        "createdByName",
        "modifiedByName",
        "assignedUserId",
        "assignedUserName",
        "teamsIds",
        "teamsNames",
        "attachmentsIds",
        "attachmentsNames",
        "isFollowed",
        "followersIds",
        "followersNames",
        "versionNumber",
        "attachmentsTypes",
    ]
    return {k: _value(state, user, task, k) for k in keys}


def hook_create_view(state: State, task: dict, hidden: set[str]) -> dict:
    """The create event's payload [D001]: stored attributes that were set."""
    keys = ["id", "name", "deleted", "status", "priority"]
    keys += [d for d in DATES if task.get(d) is not None]
    keys += ["dateCompleted", "isOverdue"]
    keys += ["reminders"] if task["status"] in ("Completed", "Canceled") else []
    keys += ["description"] if task.get("description") is not None else []
    keys += ["createdAt", "modifiedAt", "streamUpdatedAt"]
    if task.get("parentId"):
        keys += [
            "parentId",
            "parentType",
            "parentName",
            "accountId",
            "accountName",
            "contactId",
            "contactName",
        ]
    keys += ["createdById", "assignedUserId", "assignedUserName"]
    keys += ["teamsIds", "teamsNames"] if task["teamsIds"] else []
    keys += ["isFollowed", "versionNumber"]
    creator = state.users[task["createdById"]]
    out = {k: _value(state, creator, task, k) for k in keys if k not in hidden}
    return out


def hook_update_view(state: State, task: dict, changed: list[str], hidden: set[str]) -> dict:
    """An update event's payload [D003]: the changed attributes, reminders, parentName, id."""
    keys = [k for k in FULL if k in changed or k in ("reminders", "parentName")]
    out = {k: _value(state, None, task, k) for k in keys if k not in hidden}
    out["id"] = task["id"]
    return out


# -- lists ----------------------------------------------------------------------------------------

FILTER_TYPES = {
    "equals",
    "notEquals",
    "in",
    "notIn",
    "before",
    "after",
    "between",
    "isNull",
    "isNotNull",
    "or",
    "and",
    "past",
    "future",
    "today",
    "greaterThan",
    "lessThan",
    "greaterThanOrEquals",
    "lessThanOrEquals",
    "like",
    "isTrue",
    "isFalse",
}


def _match(state: State, task: dict, item: dict) -> bool:
    kind = item.get("type")
    if kind not in FILTER_TYPES:
        raise ApiError(400, f"Unknown where item type '{kind}'.")
    if kind in ("or", "and"):
        parts = item.get("value") or []
        parts = list(parts.values()) if isinstance(parts, dict) else parts
        results = [_match(state, task, p) for p in parts]
        return any(results) if kind == "or" else all(results)
    attr = item.get("attribute") or item.get("field")
    if attr not in ATTRIBUTES:
        raise ApiError(400, f"Not existing attribute '{attr}' in where.")
    have, want = task.get(attr), item.get("value")
    if isinstance(want, dict):
        want = list(want.values())
    now = state.stamp()
    if kind == "equals":
        return have == want
    if kind == "notEquals":
        return have != want
    if kind == "in":
        return have in (want or [])
    if kind == "notIn":
        return have not in (want or [])
    if kind == "isNull":
        return have is None
    if kind == "isNotNull":
        return have is not None
    if have is None:
        return False
    if kind in ("before", "lessThan"):
        return have < want
    if kind in ("after", "greaterThan"):
        return have > want
    if kind == "greaterThanOrEquals":
        return have >= want
    if kind == "lessThanOrEquals":
        return have <= want
    if kind == "between":
        return want[0] <= have <= want[1]
    if kind == "past":
        return have < now
    if kind == "future":
        return have > now
    if kind == "today":
        return have[:10] == now[:10]
    if kind == "like":
        # MySQL's default collation compares without case; ``%`` spans lines too.
        pattern = re.escape(want).replace("%", ".*")
        return re.fullmatch(pattern, have, flags=re.IGNORECASE | re.DOTALL) is not None
    return False


def nested(query: list[tuple[str, str]]) -> dict:
    """PHP's reading of ``a[0][b][]=x`` bracket parameters into nested arrays."""
    out: dict = {}
    for key, value in query:
        parts = re.findall(r"^[^\[]+|\[([^\]]*)\]", key)
        head = re.match(r"^[^\[]+", key)
        names = [head.group(0) if head else key] + parts[1:] if "[" in key else [key]
        node = out
        for i, name in enumerate(names):
            last = i == len(names) - 1
            if name == "":
                name = str(len(node))
            if last:
                node[name] = value
            else:
                if not isinstance(node.get(name), dict):
                    node[name] = {}
                node = node[name]
    return out


def _listify(value):
    if isinstance(value, dict) and all(k.isdigit() for k in value):
        return [_listify(v) for _, v in sorted(value.items(), key=lambda kv: int(kv[0]))]
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    return value


def listing(state: State, user: User, query: list[tuple[str, str]], headers: dict) -> dict:
    if auth.level(state, user, "Task", "read") == "no":
        raise ApiError(403, "No read access.")
    params = {k: _listify(v) for k, v in nested(query).items()}
    if isinstance(params.get("searchParams"), str):
        try:
            params.update(json.loads(params["searchParams"]))
        except ValueError:
            pass
    max_size = int(params.get("maxSize", 200))
    if max_size > 200:
        raise ApiError(403, "Max size should not exceed 200. Use offset and limit.")
    offset = int(params.get("offset", 0))
    order_by = params.get("orderBy") or "createdAt"
    order = params.get("order") or ("desc" if "orderBy" not in params else "asc")
    if order not in ("asc", "desc"):
        raise ApiError(400, "order value is bad.")
    if order_by not in ATTRIBUTES:
        raise ApiError(400, f"Order by non-existing field '{order_by}'.")
    where = params.get("where")
    where = where if isinstance(where, list) else []  # a JSON string is dropped [095]
    primary = params.get("primaryFilter")
    if primary and primary not in ("actual", "completed", "overdue", "todays", "deferred"):
        raise ApiError(400, f"No primary filter '{primary}' for 'Task'.")
    rows = [t for t in state.tasks.values() if can(state, user, t, "read")]
    for item in where:
        rows = [t for t in rows if _match(state, t, item)]
    now = state.stamp()
    if primary == "actual":
        rows = [t for t in rows if t["status"] not in NOT_ACTUAL]
    elif primary == "completed":
        rows = [t for t in rows if t["status"] == "Completed"]
    elif primary == "deferred":
        rows = [t for t in rows if t["status"] == "Deferred"]
    elif primary == "overdue":
        rows = [
            t
            for t in rows
            if t["dateEnd"] and t["dateEnd"] < now and t["status"] not in ("Completed", "Canceled")
        ]
    bools = params.get("boolFilterList") or []
    if "onlyMy" in (bools if isinstance(bools, list) else [bools]):
        rows = [t for t in rows if t["assignedUserId"] == user.id]
    text = params.get("textFilter") or params.get("q")
    if text:
        pattern = re.escape(text.lower()).replace(r"\*", ".*")
        rows = [t for t in rows if re.match(pattern, t["name"].lower())]
    rank = {"priority": PRIORITIES, "status": STATUSES}.get(order_by)

    def key(t):
        value = t.get(order_by)
        if rank:
            value = rank.index(value)
        return (value is not None, value if value is not None else "", t["id"])

    rows.sort(key=key, reverse=order == "desc")
    total = len(rows)
    if "q" in params:
        total = -2
    if (headers.get("x-no-total") or "").lower() == "true":
        total = -1
    page = rows[offset : offset + max_size] if max_size else []
    select = params.get("select")
    if isinstance(select, str):
        select = [s for s in select.split(",") if s]
    return {"total": total, "list": [row(state, user, t, select, order_by) for t in page]}


def row(state: State, user: User, task: dict, select, order_by: str) -> dict:
    hidden = auth.hidden_fields(state, user, "Task")
    if not select:
        return {k: _value(state, user, task, k) for k in ROW if k not in hidden}
    wanted = {"id", order_by, "parentName", "createdById", "assignedUserId", *select}
    if "dateEnd" in select:
        wanted.add("status")
    if order_by == "dateEnd":
        wanted.add("dateEndDate")
    out = {}
    for k in ROW:
        if k in wanted and k not in hidden:
            out[k] = (
                None
                if k == "parentName" and "parentId" not in wanted
                else _value(state, user, task, k)
            )
    return out
