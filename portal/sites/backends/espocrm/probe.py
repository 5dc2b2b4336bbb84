"""What the connection doctor learns from an EspoCRM site, in three reads.

- ``GET /App/user``: whether the credential is taken (401 otherwise [009, 012]), the user, the
  role's access table (``acl.table.Task``, ``massUpdatePermission``, ``Webhook`` [134]) and the
  **system time zone** in ``settings.timeZone`` [026], the zone all-day tasks are judged in.
- ``GET /Metadata?key=entityDefs.Task.fields.status``: the site's statuses and which are "not
  actual" [109] (a credential that may not read metadata keeps the stock list).
- ``GET /Task?maxSize=1``: whether the list may be read at all (403 for an API user without a
  role [169]).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import NoPermission, ReconnectNeeded, SiteError
from ..types import Capabilities, Vocabulary
from .client import EspoClient
from .tasks import PRIORITIES, STATUSES


def _statuses(client: EspoClient, findings: list[str]) -> tuple[str, ...]:
    try:
        field = client.metadata("entityDefs.Task.fields.status")
    except SiteError as exc:
        findings.append(
            f"The task statuses could not be read ({exc.message}); the stock "
            "EspoCRM list is assumed."
        )
        return STATUSES
    options = field.get("options") if isinstance(field, Mapping) else None
    if not isinstance(options, list) or not options:
        return STATUSES
    unknown = [str(o) for o in options if o not in STATUSES]
    if unknown:
        findings.append("Statuses the portal counts as open: " + ", ".join(unknown[:10]) + ".")
    return tuple(str(o)[:200] for o in options)


def probe(client: EspoClient) -> Capabilities:
    found: dict[str, Any] = {"base_url": client.base_url}
    findings: list[str] = []
    try:
        me = client.app_user()
    except ReconnectNeeded as exc:
        return Capabilities(
            **found, reachable=True, credential_valid=False, findings=(exc.message,)
        )
    except SiteError as exc:
        return Capabilities(**found, reachable=exc.status is not None, findings=(exc.message,))
    settings = me.get("settings") if isinstance(me.get("settings"), Mapping) else {}
    acl = me.get("acl") if isinstance(me.get("acl"), Mapping) else {}
    table = acl.get("table") if isinstance(acl.get("table"), Mapping) else {}
    task_access = table.get("Task") if isinstance(table.get("Task"), Mapping) else {}
    zone = settings.get("timeZone") if isinstance(settings.get("timeZone"), str) else None
    found.update(
        reachable=True,
        credential_valid=True,
        user_id=str(me["user"].get("id") or ""),
        time_zone=zone or None,
    )
    if task_access:
        found["can_write"] = task_access.get("edit") not in (None, "no")
    if acl.get("massUpdatePermission") not in ("yes", "all"):
        findings.append("The role has no mass-update permission: bulk changes go task by task.")
    if not table.get("Webhook"):
        findings.append("The role does not allow Webhook: changes are seen by polling only.")
    try:
        client.page(size=1)
        found["can_read_list"] = True
    except NoPermission as exc:
        found["can_read_list"] = False
        findings.append(f"The credential may not list tasks: {exc.message}")
    found["vocabulary"] = Vocabulary(_statuses(client, findings), PRIORITIES, ())
    return Capabilities(**found, findings=tuple(findings))
