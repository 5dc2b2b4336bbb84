"""Shared fixtures. Test modules live in unit/ (no network, no database unless marked),
integration/ (database, real HTTP to stand-in sites, real brokers) and browser/ (Playwright)."""

import os

import pytest
from django.conf import settings


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres/redis skip with a reason when that service is not configured,
    so `make test` on a bare machine still passes; CI sets both and runs them all."""
    for item in items:
        if "postgres" in item.keywords and not settings.DATABASE_IS_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL=postgres://..."))
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL=redis://..."))


# --- Stand-in Frappe sites (see tests/standin_sites.py) --------------------------------------


@pytest.fixture(scope="session")
def standin():
    """One stand-in process for the session: sites riyadh (deployed), cairo (documented) and
    plainsite (plain), redirect URI = the portal's default callback."""
    from portal.sites.models import Site
    from standin.testing import StandinProcess
    from tests.standin_sites import standin_config

    with StandinProcess(standin_config(Site.redirect_uri())) as process:
        yield process


@pytest.fixture
def standin_reset(standin):
    """Puts every stand-in site back as configured after the test (clock, tasks, faults...)."""
    yield standin
    for handle in standin.sites.values():
        handle.control.reset()


@pytest.fixture
def portal_site(standin_reset, db):
    """portal_site("riyadh") registers that stand-in site in the portal (see register_site)."""
    from tests.standin_sites import register_site

    def make(name: str, **fields):
        return register_site(standin_reset.sites[name], **fields)

    return make


@pytest.fixture
def connect(standin, db):
    """connect(user, site, "sales1") gives the portal user an OAuth connection as that site
    user (a real token from the stand-in)."""
    from tests.standin_sites import connect_user

    def make(user, site, as_user: str = "sales1"):
        handle = next(h for h in standin.sites.values() if h.url.rstrip("/") == site.base_url)
        return connect_user(user=user, site=site, as_user=f"{as_user}@{handle.name}.test")

    return make


@pytest.fixture(scope="session", autouse=True)
def _cache_per_worker():
    """Under pytest-xdist each worker gets its own file cache: one worker's cache.clear() must
    not wipe another's running test (a bulk job's progress, say). Redis keeps its shared db."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    default = settings.CACHES["default"]
    if not worker or "filebased" not in default["BACKEND"]:
        yield
        return
    from django.test import override_settings

    with override_settings(
        CACHES={"default": {**default, "LOCATION": f"{default['LOCATION']}-{worker}"}}
    ):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache(_cache_per_worker):
    """Each test starts with an empty Django cache (the file cache outlives test runs)."""
    from django.core.cache import cache

    from portal.sites.services.circuit import circuit_memo_clear

    cache.clear()
    circuit_memo_clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page rendered in Arabic leaves Arabic
    active in the thread that rendered it (LocaleMiddleware does not reset it)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
