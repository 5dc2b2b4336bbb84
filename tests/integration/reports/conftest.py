"""A stand-in site of its own for report tests: empty, in Asia/Riyadh, clock set by the test."""

import pytest

from tests.standin_sites import CLIENT_ID, register_site, site_users


@pytest.fixture(scope="module")
def report_standin():
    from standin.testing import StandinProcess

    config = {"sites": [{
        "name": "reportsite", "flavour": "deployed", "time_zone": "Asia/Riyadh",
        "users": site_users("reportsite.test"), "first_task_id": 500,
        "oauth_clients": [{"client_id": CLIENT_ID, "client_secret": "s", "app_name": "Portal",
                           "redirect_uris": ["http://127.0.0.1:8000/sites/oauth/callback/"],
                           "skip_authorization": True, "scopes": "all openid"}],
        "clock": {"mode": "frozen", "now": "2026-11-17T06:00:00+00:00"},
    }]}  # fmt: skip
    with StandinProcess(config) as process:
        yield process.sites["reportsite"]


@pytest.fixture
def report_site(report_standin, db):
    report_standin.control.reset()
    site = register_site(report_standin, name="Report site", time_zone="Asia/Riyadh")
    return site, report_standin
