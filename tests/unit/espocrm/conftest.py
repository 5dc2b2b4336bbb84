from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.sites.backends.base import SiteSettings
from portal.sites.backends.espocrm import auth
from portal.sites.backends.espocrm.backend import EspoBackend

from .recordings import BASE, RecordedSite

API_KEY = "132f8163c686acbb5d6f1f9fa5ee2581"  # api_key_user (recordings/INDEX.md)
HMAC_KEY, HMAC_SECRET = "a4795fdba26a6d64601b4ee2575d2d0a", "18cb88840c3c644917e47a2fd2ade286"
JDOE = "6b0fc51df397cf004"
ASMITH = "6b0fc51e2813fcfd0"
RECORDED_NOW = datetime(2026, 12, 2, 7, 15, 45, tzinfo=UTC)  # the overdue lists' "now" [084]


def open_backend(site: RecordedSite, *, zone="UTC", credential=None, now=RECORDED_NOW):
    settings = SiteSettings(name="Lab", base_url=BASE, time_zone=zone)
    return EspoBackend.open(
        settings, credential or auth.ApiKeyAuth(API_KEY), http=site, clock=lambda: now
    )


@pytest.fixture
def site():
    recorded = RecordedSite()
    yield recorded
    recorded.done()
