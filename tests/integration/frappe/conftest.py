"""Stand-in Frappe sites over real HTTP for the client's integration tests.

One ``python -m standin`` process (``standin.testing.StandinProcess``) serves three sites, one
per flavour. Tests talk to them through the real ``Http`` seam (loopback and http allowed, as in
development) and read each site's request log from its control API (``/_standin/log``) to count
what the client sent.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from portal.sites.backends.frappe import AddressPolicy, ApiKeyAuth, FrappeClient, Http

REPO = Path(__file__).resolve().parents[3]
KEYS = {"sales1@lab.local": ("sales1key00001", "sales1secret001"),
        "norole@lab.local": ("noroleky00001", "norolesecret01")}  # fmt: skip
OAUTH_CLIENT = "portalclient1"
REDIRECT = "http://127.0.0.1:8001/oauth/callback/"
FROZEN = "2026-11-23T17:20:00+00:00"  # 02:20 on the 24th in Tokyo, like recordings 240-244
FLAVOURS = ("deployed", "documented", "plain")


def _users() -> list[dict[str, Any]]:
    return [
        {"name": "sales1@lab.local", "email": "sales1@lab.local", "full_name": "Sales One",
         "password": "Lab-Sales1-Pass!2026", "roles": ["Sales User"],
         "api_key": KEYS["sales1@lab.local"][0], "api_secret": KEYS["sales1@lab.local"][1]},
        {"name": "norole@lab.local", "email": "norole@lab.local", "full_name": "No Role",
         "password": "Lab-NoRole-Pass!2026", "roles": [],
         "api_key": KEYS["norole@lab.local"][0], "api_secret": KEYS["norole@lab.local"][1]},
    ]  # fmt: skip


def _config() -> dict[str, Any]:
    sites = []
    for flavour in FLAVOURS:
        sites.append(
            {
                "name": flavour,
                "flavour": flavour,
                "time_zone": "Asia/Tokyo" if flavour == "deployed" else "UTC",
                "clock": {"mode": "frozen", "now": FROZEN},
                "users": _users(),
                "oauth_clients": [
                    {
                        "client_id": OAUTH_CLIENT,
                        "redirect_uris": REDIRECT,
                        "default_redirect_uri": REDIRECT,
                        "skip_authorization": 1,
                        "scopes": "all openid",
                    }
                ],
            }
        )
    return {"sites": sites}


@pytest.fixture(scope="session")
def standin() -> Iterator[dict[str, str]]:
    """{flavour: base URL} of three stand-in sites in one ``python -m standin`` process."""
    from standin.testing import StandinProcess

    with StandinProcess(_config()) as process:
        yield {name: handle.url for name, handle in process.sites.items()}


class Control:
    """The stand-in's control API for one site (test set-up and request counting only)."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/") + "/_standin"

    def call(self, method: str, path: str, body: dict | None = None, **params: Any) -> Any:
        response = requests.request(method, self.base + path, json=body, params=params, timeout=10)
        assert response.status_code < 300, f"control {path}: {response.text[:300]}"
        return response.json()

    def reset(self) -> None:
        self.call("POST", "/reset")
        self.call("POST", "/faults/clear")
        self.call("POST", "/clock", {"mode": "frozen", "now": FROZEN})

    def insert(self, tasks: list[dict[str, Any]], *, save_rules: bool = False) -> list[int]:
        return self.call("POST", "/tasks", {"tasks": tasks, "save_rules": save_rules})["names"]

    def task(self, name: int) -> dict[str, Any]:
        return self.call("GET", f"/tasks/{name}")

    def mark(self) -> int:
        """The last logged request, once the log has settled (see ``since``)."""
        entries = self.since(0)
        every = self.call("GET", "/log")["entries"]
        return max([e["seq"] for e in entries + every], default=0)

    def since(self, mark: int) -> list[dict[str, Any]]:
        """Requests logged after ``mark``. The stand-in may log a request just after answering
        it, so read until the log stops growing."""
        previous: list[dict[str, Any]] | None = None
        for _ in range(40):
            time.sleep(0.025)
            entries = [e for e in self.call("GET", "/log", since=mark)["entries"]
                       if not e["path"].startswith("/_standin")]  # fmt: skip
            if previous is not None and len(entries) == len(previous):
                return entries
            previous = entries
        return previous or []

    def faults(self, *rules: dict[str, Any]) -> None:
        self.call("POST", "/faults", {"faults": list(rules)})


def dev_http(**kwargs: Any) -> Http:
    return Http(policy=AddressPolicy(allow_loopback=True, allow_insecure_http=True), **kwargs)


@pytest.fixture(params=FLAVOURS)
def flavour(request) -> str:
    return request.param


@pytest.fixture
def site(standin, flavour) -> Control:
    control = Control(standin[flavour])
    control.reset()
    return control


@pytest.fixture
def client(standin, flavour, site) -> FrappeClient:
    """sales1's API key; the flavour is told, as the portal stores it from the probe."""
    return FrappeClient(
        standin[flavour],
        ApiKeyAuth(*KEYS["sales1@lab.local"]),
        time_zone="Asia/Tokyo" if flavour == "deployed" else "UTC",
        flavour=flavour,
        http=dev_http(),
        site_label=flavour,
        # The site's clock, not the machine's: "today" must be the same day on both sides.
        clock=lambda: datetime.fromisoformat(FROZEN),
    )
