"""`python -m standin --demo`: two sites with realistic data for a first look."""

from __future__ import annotations

DEFAULT_REDIRECT = "http://127.0.0.1:8000/sites/oauth/callback/"


def demo_document(port_base: int = 8101, redirect_uri: str = DEFAULT_REDIRECT) -> dict:
    def users(domain: str) -> list[dict]:
        return [
            {
                "name": f"sales1@{domain}",
                "first_name": "Sales",
                "last_name": "One",
                "password": "Sales1-Pass!2026",
                "roles": ["Sales User"],
            },
            {
                "name": f"manager1@{domain}",
                "first_name": "Manager",
                "last_name": "One",
                "password": "Manager1-Pass!2026",
                "roles": ["Sales Manager", "Sales User"],
            },
            {
                # The demo's team lead, who reads Arabic: names on sites are often Arabic.
                "name": f"lead1@{domain}",
                "first_name": "ليلى",
                "last_name": "الأحمد",
                "password": "Lead1-Pass!2026",
                "roles": ["Sales Manager", "Sales User"],
            },
            {
                "name": f"norole@{domain}",
                "first_name": "No",
                "last_name": "Role",
                "password": "NoRole-Pass!2026",
                "roles": [],
            },
        ]

    def clients(prefix: str) -> list[dict]:
        return [
            {
                "client_id": f"{prefix}-portal",
                "client_secret": f"{prefix}-portal-secret",
                "app_name": "Task portal",
                "redirect_uris": [redirect_uri],
                "skip_authorization": True,
                "scopes": "all openid",
            },
            {
                "client_id": f"{prefix}-portal-consent",
                "client_secret": f"{prefix}-consent-secret",
                "app_name": "Task portal (consent page)",
                "redirect_uris": [redirect_uri],
                "skip_authorization": False,
                "scopes": "all openid",
            },
        ]

    return {
        "sites": [
            {
                "name": "Riyadh Sales",
                "flavour": "deployed",
                "port": port_base,
                "time_zone": "Asia/Riyadh",
                "seed_size": 300,
                "seed": 101,
                "first_task_id": 1001,
                "users": users("riyadh.example"),
                "api_keys": [
                    {
                        "user": "sales1@riyadh.example",
                        "api_key": "riyadhkey0000001",
                        "api_secret": "riyadhsecret0001",
                    }
                ],
                "oauth_clients": clients("riyadh"),
                "late_switch": {"enabled": True, "interval_seconds": 60},
            },
            {
                "name": "Cairo Support",
                "flavour": "documented",
                "port": port_base + 1,
                "time_zone": "Africa/Cairo",
                "seed_size": 150,
                "seed": 202,
                "first_task_id": 501,
                "users": users("cairo.example"),
                "api_keys": [
                    {
                        "user": "sales1@cairo.example",
                        "api_key": "cairokey00000001",
                        "api_secret": "cairosecret00001",
                    }
                ],
                "oauth_clients": clients("cairo"),
            },
        ]
    }


def demo_state(sites: dict) -> dict:
    """What a restart must keep of each demo site (``standin.demo_state``): its tasks and the
    next task id (a deleted task's id is never given again). Users, OAuth clients and tokens
    come from the configuration; the portal signs in afresh on every start."""
    return {
        name: {"next_id": site.peek_next_id(), "tasks": site.store.select(order_by="name")}
        for name, site in sites.items()
    }


def demo_version(sites: dict) -> tuple:
    """Changes whenever ``demo_state`` would: the stores' write counts and the next ids."""
    return tuple((site.store.writes, site.peek_next_id()) for site in sites.values())


def demo_restore(sites: dict, data: dict) -> None:
    """The kept tasks in place of the seeded ones, for each site the state names."""
    for name, kept in data.items():
        site = sites.get(name)
        if site is None:
            continue
        site.store.clear()
        site.store.insert_many(kept["tasks"])
        site.set_next_id(kept["next_id"])
