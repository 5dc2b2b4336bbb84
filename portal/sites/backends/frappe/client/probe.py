"""The capability probe behind the connection doctor: what works on this site, for this
credential, with each failing finding put in plain words. Read-only: nothing is written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..auth import OAuthBearer
from ..errors import (
    AddressRefused,
    MethodMissing,
    NoPermission,
    NotFound,
    ReconnectNeeded,
    SiteError,
    Transient,
)
from ..models import Capabilities, Vocabulary
from .parse import message_of, vocabulary_from_meta
from .resource import ResourceApi

if TYPE_CHECKING:
    from . import FrappeClient

_DISCOVERY = ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint",
              "revocation_endpoint", "introspection_endpoint")  # fmt: skip
_WRITER_ROLES = {
    "Sales User",
    "Sales Manager",
    "System Manager",
}  # writes check roles [074-078]


def probe(client: FrappeClient) -> Capabilities:
    found: dict[str, Any] = {"base_url": client.base_url}
    findings: list[str] = []

    def done() -> Capabilities:
        return Capabilities(**found, findings=tuple(findings))

    # 1. Reachable, and OAuth discovery, without credentials [114, 211].
    try:
        body = client.caller.method(
            "frappe.integrations.oauth2.openid_configuration", authenticated=False
        )
        found["reachable"] = True
        found["oauth"] = {k: str(body[k])[:300] for k in _DISCOVERY if isinstance(body, dict)
                          and isinstance(body.get(k), str)}  # fmt: skip
        issuer = found["oauth"].get("issuer", "")
        if issuer and urlsplit(issuer).netloc != urlsplit(client.base_url).netloc:
            findings.append(
                f"The site calls itself {issuer}, not {client.base_url}: OAuth redirects will "
                "use that address. Use the site's own address, or add it to its domains."
            )
    except AddressRefused as exc:
        findings.append(f"The address is not allowed: {exc.message}")
        return done()
    except Transient as exc:
        findings.append(f"The site cannot be reached: {exc.message} Check the URL.")
        return done()
    except SiteError as exc:
        found["reachable"] = True
        findings.append(f"No OAuth discovery on this site ({exc.message}); API keys still work.")

    # Without a credential only the steps above can be told (the doctor before connecting).
    if client.caller.auth is None:
        return done()

    # 2. Who the credential is [006, 238]; nothing else works without it.
    try:
        found["user_id"] = client.logged_user()
        found["credential_valid"] = True
    except (ReconnectNeeded, NoPermission) as exc:
        found["credential_valid"] = False
        findings.append(f"The credential was refused: {exc.message} Connect again.")
        return done()
    except SiteError as exc:
        findings.append(f"Could not check the credential: {exc.message}")
        return done()

    # 3. mobile_api present, and which envelope it speaks [026, 245].
    try:
        client._mobile.filter_page(params={}, page=1, page_size=1)
        found["flavour"] = client._mobile.seen_flavour
    except MethodMissing:
        found["flavour"] = "plain"
        findings.append("The CRM mobile API is not installed; the portal uses the generic API.")
    except SiteError as exc:
        findings.append(f"The CRM mobile API failed: {exc.message}")

    # 4. The vocabularies, and which roles may write, from the doctype meta [200].
    writer_roles = set(_WRITER_ROLES)
    resource = ResourceApi(client.caller, zone=client.zone, with_task_type=False)
    try:
        meta = resource.meta()
        vocabulary = vocabulary_from_meta(meta, site=client.site_label)
        found["vocabulary"] = vocabulary
        writer_roles = _writers(meta) or writer_roles
        if found.get("flavour") is None:
            found["flavour"] = _flavour_from(vocabulary)
    except NotFound:
        findings.append("The site is older than Frappe 15: its task options cannot be read.")
    except SiteError as exc:
        findings.append(f"The task options could not be read: {exc.message}")
    if found.get("flavour") is not None:
        client.flavour = found["flavour"]
    if found.get("vocabulary") is not None:
        client._vocabulary = found["vocabulary"]
        client._sync_fields()

    # 5. The generic list needs a CRM role [068, 078]: overdue scans and "assigned to" use it.
    try:
        client.list_tasks(fields=("name",), page_length=1)
        found["can_read_list"] = True
    except NoPermission:
        found["can_read_list"] = False
        findings.append(
            "This account has no CRM role (Sales User or Sales Manager): it cannot list tasks "
            "for overdue reminders or write. Give the user a CRM role on the site."
        )
    except SiteError as exc:
        findings.append(f"The task list could not be read: {exc.message}")

    # 6. Roles, to tell whether writes will be allowed without writing [061, 100, 130].
    roles = _roles(client, found.get("flavour"))
    if roles is not None:
        found["roles"] = tuple(sorted(roles))
        found["can_write"] = bool(set(roles) & writer_roles) or found["user_id"] == "Administrator"
    elif found.get("can_read_list") is False:
        found["can_write"] = False
    if found.get("can_write") is False and found.get("can_read_list") is not False:
        findings.append("This account may read tasks but not change them (no CRM role).")

    # 7. The site's time zone, readable by System Managers only [205].
    try:
        zone = message_of(
            client.caller.method(
                "frappe.client.get_single_value",
                params={"doctype": "System Settings", "field": "time_zone"},
            ),
            site=client.site_label,
        )
        found["time_zone"] = str(zone)[:64] if zone else None
    except SiteError:
        pass
    if not found.get("time_zone"):
        findings.append("The site's time zone cannot be read with this account: enter it.")
    return done()


def _writers(meta: Any) -> set[str]:
    rows = meta.get("permissions") if isinstance(meta, dict) else None
    return {
        str(p["role"])
        for p in rows or []
        if isinstance(p, dict) and p.get("write") and not p.get("permlevel") and p.get("role")
    }


def _flavour_from(vocabulary: Vocabulary) -> str | None:
    statuses = set(vocabulary.statuses)
    if "late" in statuses:
        return "deployed"
    if {"Open", "Completed"} <= statuses:
        return "documented"
    return None


def _roles(client: FrappeClient, flavour: str | None) -> set[str] | None:
    if flavour == "deployed":
        try:
            message = message_of(
                client.caller.method("crm.api.mobile_api.get_current_user_role"),
                site=client.site_label,
            )
            if isinstance(message, dict) and isinstance(message.get("roles"), list):
                return {str(r) for r in message["roles"]}
        except SiteError:
            pass
    if isinstance(client.caller.auth, OAuthBearer):
        try:
            body = client.caller.method("frappe.integrations.oauth2.openid_profile")
            if isinstance(body, dict) and isinstance(body.get("roles"), list):
                return {str(r) for r in body["roles"]}
        except SiteError:
            pass
    return None
