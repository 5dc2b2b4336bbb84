"""The task pages' fixtures (stand-in sites registered, granted and connected), and an API
client holding a personal access token of the person."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from portal.api.tokens import token_create
from tests.integration.tasks_ui.conftest import (  # noqa: F401 - fixtures used by these tests
    bulk_queue,
    frozen_now,
    grant,
    member,
    site_login,
    three_sites,
)


@pytest.fixture
def api_for():
    """api_for(user, scope="write", site_ids=()) → a client sending that person's new token."""

    def make(user, *, scope: str = "write", site_ids=()) -> APIClient:
        made = token_create(user=user, name="test", scope=scope, site_ids=site_ids)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {made.secret}")
        return client

    return make


@pytest.fixture
def api(api_for, member):  # noqa: F811 - the imported fixture, asked for by name
    return api_for(member)
