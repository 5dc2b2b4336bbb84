"""The people of the access tests (an admin, a member granted site A, an outsider), and test
clients of their own for streams read at the same time."""

import pytest
from django.test import Client

from tests.integration.sites.conftest import (  # noqa: F401 - fixtures
    admin_user,
    member,
    outsider,
    site_a,
    site_b,
)


@pytest.fixture
def client_factory():
    return Client
