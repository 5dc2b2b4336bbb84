from __future__ import annotations

import pytest
import requests

from standin.testing import InProcessStandin

ADMIN_PASSWORD = "admin"
SALES = {
    "name": "sales1@test.local",
    "first_name": "Sales",
    "last_name": "One",
    "password": "sales-pass",
    "roles": ["Sales User"],
}
NOROLE = {
    "name": "norole@test.local",
    "first_name": "No",
    "last_name": "Role",
    "password": "norole-pass",
    "roles": [],
}
FROZEN = "2026-11-23T09:00:00+00:00"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


def site_config(name="test-site", **extra) -> dict:
    cfg = {
        "name": name,
        "time_zone": "UTC",
        "first_task_id": 100,
        "users": [SALES, NOROLE],
        "clock": {"mode": "frozen", "now": FROZEN},
    }
    cfg.update(extra)
    return cfg


@pytest.fixture
def standin():
    """One deployed site in threads of this process, clock frozen at FROZEN."""
    with InProcessStandin(site_config()) as running:
        yield running


@pytest.fixture
def site(standin):
    return standin.sites["test-site"]


def login(url: str, usr: str, pwd: str) -> requests.Session:
    session = requests.Session()
    resp = session.post(f"{url}/api/method/login", data={"usr": usr, "pwd": pwd}, timeout=10)
    assert resp.status_code == 200, resp.text
    return session


@pytest.fixture
def admin(site) -> requests.Session:
    return login(site.url, "Administrator", ADMIN_PASSWORD)


@pytest.fixture
def sales(site) -> requests.Session:
    return login(site.url, SALES["name"], SALES["password"])


def method(site, name: str) -> str:
    return f"{site.url}/api/method/{name}"


def mobile(site, name: str) -> str:
    return method(site, f"crm.api.mobile_api.{name}")
