"""Stand-in Frappe sites for the portal's tests: one `python -m standin` process per test
session serving three sites (one per flavour), registered as portal sites on demand, with
people connected to them the way the portal connects them (OAuth tokens in Connection rows).

Fixtures (tests/conftest.py): `standin` (the process), `standin_reset` (clears what a test
changed at the sites), `portal_site` (registers a stand-in site in the portal with an API-key
service credential) and `connect` (an OAuth connection for a portal user as a site user).
"""

from __future__ import annotations

from portal.sites.models import Connection, ServiceCredential, Site
from portal.sites.services.connect import connection_by_password
from portal.sites.services.registry import site_doctor

PASSWORD = "Pass-2026!"
CLIENT_ID = "portal"
CONSENT_CLIENT_ID = "portal-consent"

SITES = {
    # name: (flavour, zone, seed size, first task id)
    "riyadh": ("deployed", "Asia/Riyadh", 120, 1001),
    "cairo": ("documented", "Africa/Cairo", 60, 2001),
    "plainsite": ("plain", "UTC", 40, 3001),
}


def site_users(domain: str) -> list[dict]:
    people = [
        ("sales1", "Sales", "One", ["Sales User"]),
        ("sales2", "سارة", "الأحمد", ["Sales User"]),
        ("manager1", "Manager", "One", ["Sales Manager", "Sales User"]),
        ("norole", "No", "Role", []),
    ]
    return [
        {
            "name": f"{user}@{domain}",
            "email": f"{user}@{domain}",
            "first_name": first,
            "last_name": last,
            "password": PASSWORD,
            "roles": roles,
            "api_key": f"{user}key{domain[:6]}",
            "api_secret": f"{user}secret{domain[:6]}",
        }
        for user, first, last, roles in people
    ]


def standin_config(redirect_uri: str) -> dict:
    sites = []
    for name, (flavour, zone, size, first_id) in SITES.items():
        domain = f"{name}.test"
        sites.append(
            {
                "name": name,
                "flavour": flavour,
                "time_zone": zone,
                "seed_size": size,
                "seed": first_id,
                "first_task_id": first_id,
                "users": site_users(domain),
                "oauth_clients": [
                    {
                        "client_id": CLIENT_ID,
                        "client_secret": "s",
                        "app_name": "Portal",
                        "redirect_uris": [redirect_uri],
                        "skip_authorization": True,
                        "scopes": "all openid",
                    },
                    {
                        "client_id": CONSENT_CLIENT_ID,
                        "client_secret": "s",
                        "app_name": "Portal (consent)",
                        "redirect_uris": [redirect_uri],
                        "skip_authorization": False,
                        "scopes": "all openid",
                    },
                ],
            }  # fmt: skip
        )
    return {"sites": sites}


def user_id(site_name: str, user: str) -> str:
    return f"{user}@{site_name}.test"


def register_site(handle, *, service_user: str | None = "sales1", **fields) -> Site:
    """A portal Site for a stand-in site, with an API-key service credential, probed."""
    site = Site.objects.create(
        name=fields.pop("name", handle.name.title()),
        base_url=handle.url,
        client_id=fields.pop("client_id", CLIENT_ID),
        **fields,
    )
    if service_user:
        domain = f"{handle.name}.test"
        ServiceCredential.objects.create(
            site=site,
            kind=ServiceCredential.Kind.API_KEY,
            api_key=f"{service_user}key{domain[:6]}",
            api_secret=f"{service_user}secret{domain[:6]}",
        )
    site_doctor(site=site)
    site.refresh_from_db()
    return site


def connect_user(*, user, site: Site, as_user: str) -> Connection:
    """Connects `user` to `site` as the site user `as_user` (an id like sales1@riyadh.test):
    a real token from the stand-in, stored exactly as the callback stores it."""
    return connection_by_password(user=user, site=site, site_user=as_user, password=PASSWORD)
