"""People, sites and tokens for the API's unit tests (database, no network)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from portal.api.tokens import token_create
from portal.sites.models import Profile, Site, SiteGrant


@pytest.fixture
def member(django_user_model, db):
    user = django_user_model.objects.create_user("mona", password="Mona-Pass-2026!")
    Profile.objects.create(user=user, role=Profile.Role.MEMBER)
    return user


@pytest.fixture
def sites(db):
    """Three sites nobody can reach (no request goes to them in these tests)."""
    return {
        name: Site.objects.create(name=name, base_url=f"https://{name.lower()}.example")
        for name in ("Riyadh", "Cairo", "Dubai")
    }


@pytest.fixture
def granted(member, sites):
    for site in sites.values():
        SiteGrant.objects.create(site=site, user=member)
    return sites


@pytest.fixture
def make_token(member):
    def make(user=None, **fields):
        fields.setdefault("name", "script")
        fields.setdefault("scope", "read")
        return token_create(user=user or member, **fields)

    return make


@pytest.fixture
def api():
    def client(secret: str | None = None) -> APIClient:
        made = APIClient()
        if secret:
            made.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return made

    return client
