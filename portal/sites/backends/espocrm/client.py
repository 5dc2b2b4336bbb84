"""EspoCRM's REST API as the recordings show it (contract/espocrm/README.md).

- Every path is under ``/api/v1``; each request carries the credential's headers, which for
  HMAC depend on the method and the path [014].
- Errors mostly have an **empty body**: the message is in the ``X-Status-Reason`` header [012,
  107, 125]; validation failures carry ``messageTranslation`` JSON [053]; 405 and unknown routes
  answer an HTML page [123, 144]. There is no ``{"error": …}`` envelope.
- Lists answer ``{"total": N, "list": [...]}``; ``maxSize`` above 200 is a 403 [077], so pages
  are 200 rows, paged by ``offset``. ``total`` is -1 or -2 when not computed [093, 103]: paging
  then stops on a short page.
- ``PUT`` and ``PATCH`` both update only the fields sent [111, 112]: every change is a PATCH,
  answered with the whole record. Delete answers ``true``, and 404 once gone [135, 136].
- Bulk: ``POST /MassAction`` [146]; the seed's ``action/mass*`` calls do not exist [139-141].
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from portal.http import Http, HttpResponse

from ..errors import (
    NoPermission,
    NotFound,
    ReconnectNeeded,
    ServerError,
    SiteError,
    Transient,
    UnexpectedAnswer,
    ValidationFailed,
)
from ..types import Task
from .auth import API
from .tasks import parse_task
from .where import Item, where_params

PAGE = 200  # the site's list limit: 201 is refused [077]
MAX_PAGES = 2_000  # a guard against a site that never stops paging
ASSIGNMENT_FAILURE = "assignment failure"

FIELD_WORDS = {
    "assignedUser": "the assignee",
    "name": "the title",
    "dateEnd": "the due date",
    "dateStart": "the start",
    "status": "the status",
    "priority": "the priority",
}
CHECK_WORDS = {
    "required": "is required",
    "valid": "is not a value this site takes",
    "maxLength": "is too long",
}


def _reason(response: HttpResponse) -> str:
    return (response.headers.get("X-Status-Reason") or "").strip()


def _validation_words(body: Any) -> str:
    """``{"messageTranslation": {"label": "validationFailure", "data": {"field", "type"}}}``
    [053, 061] in words."""
    if not isinstance(body, Mapping) or not isinstance(body.get("messageTranslation"), Mapping):
        return ""
    data = body["messageTranslation"].get("data")
    if not isinstance(data, Mapping) or not isinstance(data.get("field"), str):
        return ""
    field = FIELD_WORDS.get(data["field"], data["field"])
    check = CHECK_WORDS.get(str(data.get("type")), f"failed the check {data.get('type')!r}")
    return f"EspoCRM refused the input: {field} {check}."


def error_for(
    response: HttpResponse, body: Any, *, auth: Any, site: str | None, write: bool
) -> SiteError:
    status = response.status
    reason = _reason(response)
    words = _validation_words(body) or reason
    kwargs: dict[str, Any] = {"status": status, "site": site}
    if status == 401:
        # Empty body, no reason [009, 012, 171]: the credential itself was refused.
        refused = getattr(auth, "refused", "") or "The site asks for credentials (401)."
        return ReconnectNeeded(refused, **kwargs)
    if status == 403 and ASSIGNMENT_FAILURE in reason.lower():
        return NoPermission(
            "EspoCRM refused the assignee: this account may only assign tasks to people of its "
            "own teams, and to nobody while it is in no team [064, 071, 130].",
            **kwargs,
        )
    if status == 403:
        return NoPermission(words or "The site refused this (403).", **kwargs)
    if status == 404:
        return NotFound(words or "Not found on the site.", **kwargs)
    if status == 400:
        return ValidationFailed(words or "The site refused the input.", **kwargs)
    if status in (429, 502, 503, 504):
        return Transient(words or f"The site answered {status}.", **kwargs)
    if status >= 500:
        # A malformed request is a 500 with an empty body [059]: a write may not be retried.
        return ServerError(words or f"The site answered {status}.", permanent=write, **kwargs)
    return SiteError(words or f"The site answered {status}.", **kwargs)


class EspoClient:
    def __init__(
        self,
        base_url: str,
        auth,
        *,
        time_zone: str,
        http: Http,
        site_label: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.http = http
        self.zone = ZoneInfo(time_zone or "UTC")
        self.site_label = site_label
        self._clock = clock or (lambda: datetime.now(self.zone))
        self._me: dict[str, Any] | None = None

    # -- plumbing ----------------------------------------------------------------------------

    def call(
        self, verb: str, path: str, *, params: Any = None, body: Any = None, write: bool = False
    ) -> Any:
        headers = {"Accept": "application/json"}
        if self.auth is not None:
            headers.update(self.auth.headers(verb, path))  # HMAC signs "VERB /path" [014]
        response = self.http.request(
            verb,
            self.base_url + API + path,
            params=params,
            json=body,
            headers=headers,
            site=self.site_label,
        )
        try:
            decoded = json.loads(response.content.decode("utf-8")) if response.content else None
        except (UnicodeDecodeError, ValueError):
            decoded = None
            if 200 <= response.status < 300:
                raise UnexpectedAnswer(
                    "The site answered with something other than JSON.", site=self.site_label
                ) from None
        if 200 <= response.status < 300:
            return decoded
        raise error_for(response, decoded, auth=self.auth, site=self.site_label, write=write)

    def now(self) -> datetime:
        return self._clock().astimezone(self.zone)

    # -- the site ----------------------------------------------------------------------------

    def app_user(self) -> dict[str, Any]:
        """``GET /App/user``: the user, their access table and the system settings [011, 134]."""
        if self._me is None:
            body = self.call("GET", "/App/user")
            if not isinstance(body, Mapping) or not isinstance(body.get("user"), Mapping):
                raise UnexpectedAnswer(
                    "The site did not say who this account is.", site=self.site_label
                )
            self._me = dict(body)
        return self._me

    def metadata(self, key: str) -> Any:
        return self.call("GET", "/Metadata", params={"key": key})

    # -- tasks -------------------------------------------------------------------------------

    def page(
        self,
        where: Sequence[Item] = (),
        *,
        offset: int = 0,
        size: int = PAGE,
        extra: Sequence[tuple[str, str]] = (),
    ) -> dict[str, Any]:
        params: list[tuple[str, str]] = where_params(where)
        params += [("maxSize", str(min(size, PAGE)))]
        if offset:
            params.append(("offset", str(offset)))
        params += list(extra)
        body = self.call("GET", "/Task", params=params)
        if not isinstance(body, Mapping) or not isinstance(body.get("list"), list):
            raise UnexpectedAnswer(
                "The task list came back in an unknown shape.", site=self.site_label
            )
        return dict(body)

    def tasks(
        self, where: Sequence[Item] = (), *, extra: Sequence[tuple[str, str]] = ()
    ) -> list[Task]:
        """Every task matching ``where``, all pages of 200 [077, 078]."""
        found: dict[str, Task] = {}
        offset = 0
        for _ in range(MAX_PAGES):
            body = self.page(where, offset=offset, extra=extra)
            rows = body["list"]
            for row in rows:
                task = parse_task(row, zone=self.zone, site=self.site_label)
                found.setdefault(task.id, task)
            offset += len(rows)
            total = body.get("total")
            if len(rows) < PAGE or (isinstance(total, int) and 0 <= total <= offset):
                break
        return list(found.values())

    def count(self, where: Sequence[Item] = ()) -> int:
        """``maxSize=0`` answers the total alone [164]."""
        params = where_params(where) + [("maxSize", "0")]
        body = self.call("GET", "/Task", params=params)
        total = body.get("total") if isinstance(body, Mapping) else None
        if not isinstance(total, int) or total < 0:
            raise UnexpectedAnswer("The site did not count the tasks.", site=self.site_label)
        return total

    def get(self, task_id: str) -> Task:
        return self._task(self.call("GET", f"/Task/{checked_id(task_id)}"))

    def create(self, body: dict[str, Any]) -> Task:
        """Answered 200 with the whole record [041, 063]."""
        return self._task(self.call("POST", "/Task", body=body, write=True))

    def patch(self, task_id: str, body: dict[str, Any]) -> Task:
        return self._task(self.call("PATCH", f"/Task/{checked_id(task_id)}", body=body, write=True))

    def delete(self, task_id: str) -> None:
        try:
            self.call("DELETE", f"/Task/{checked_id(task_id)}", write=True)
        except NotFound:
            return  # already gone [136]

    def mass_update(self, ids: Sequence[str], data: dict[str, Any]) -> list[str]:
        """``POST /MassAction`` [145, 146]: the ids the site says it changed."""
        body = {
            "entityType": "Task",
            "action": "update",
            "params": {"ids": [checked_id(i) for i in ids]},
            "data": data,
        }
        answer = self.call("POST", "/MassAction", body=body, write=True)
        got = answer.get("ids") if isinstance(answer, Mapping) else None
        return [str(i) for i in got] if isinstance(got, list) else []

    def _task(self, body: Any) -> Task:
        if not isinstance(body, Mapping):
            raise UnexpectedAnswer("The task came back in an unknown shape.", site=self.site_label)
        return parse_task(body, zone=self.zone, site=self.site_label)

    # -- webhooks ----------------------------------------------------------------------------

    def webhooks(self) -> list[dict[str, Any]]:
        """The credential's webhooks, with their secret keys [037]."""
        body = self.call("GET", "/Webhook")
        rows = body.get("list") if isinstance(body, Mapping) else None
        return [dict(r) for r in rows or () if isinstance(r, Mapping)]

    def webhook_create(self, event: str, url: str) -> dict[str, Any]:
        """Answered 201 with the id and the generated ``secretKey`` [029-032]."""
        body = self.call("POST", "/Webhook", body={"event": event, "url": url}, write=True)
        if not isinstance(body, Mapping) or not body.get("id") or not body.get("secretKey"):
            raise UnexpectedAnswer(
                "The site created the webhook without its secret.", site=self.site_label
            )
        return dict(body)

    def webhook_delete(self, webhook_id: str) -> None:
        try:
            self.call("DELETE", f"/Webhook/{checked_id(webhook_id)}", write=True)  # [167]
        except NotFound:
            return


def checked_id(record_id: str) -> str:
    """EspoCRM ids are short lower-case hex-ish strings (``6b0fc574c4c300202``); anything else
    would reach another route (``/Task/x/y/z`` is an HTML 404 [144])."""
    text = str(record_id).strip()
    if not (0 < len(text) <= 64) or not all(
        c.isascii() and (c.isalnum() or c in "-_") for c in text
    ):
        raise NotFound(f"Task {text[:64]} was not found.")
    return text
