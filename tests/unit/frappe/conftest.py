from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal.sites.backends.frappe import ApiKeyAuth, FrappeClient

from .recordings import BASE, FakeSite, fake_http

# sales1's API key after 187 [INDEX.md]; recordings 180-252 used it.
KEY, SECRET = "728b9c7ca3432a7", "37ed6834dee49e7"


@pytest.fixture
def site() -> Iterator[FakeSite]:
    fake = FakeSite()
    yield fake
    fake.assert_done()


@pytest.fixture
def client(site: FakeSite) -> FrappeClient:
    """A deployed site in UTC, as recorded between 004 and 234."""
    return FrappeClient(
        BASE, ApiKeyAuth(KEY, SECRET), time_zone="UTC", flavour="deployed", http=fake_http(site)
    )


@pytest.fixture
def tokyo(site: FakeSite) -> FrappeClient:
    """The same site after its zone was set to Asia/Tokyo (240-252)."""
    return FrappeClient(
        BASE,
        ApiKeyAuth(KEY, SECRET),
        time_zone="Asia/Tokyo",
        flavour="deployed",
        http=fake_http(site),
    )
