"""The token page: each person makes, sees and revokes their own tokens; a new token is shown
once, on the answer that made it."""

from __future__ import annotations

import re

import pytest

from portal.api.models import ApiToken

pytestmark = pytest.mark.django_db

SECRET = re.compile(r'value="(ptk_[0-9a-f]{8}_[A-Za-z0-9_-]+)"')


def test_every_page_links_to_ones_own_tokens(client, member):
    client.force_login(member)
    assert 'href="/api/tokens/"' in client.get("/notifications/me/").content.decode()


def test_a_new_token_is_shown_once_and_then_only_by_its_prefix(client, member, granted):
    client.force_login(member)
    riyadh = granted["Riyadh"]
    response = client.post(
        "/api/tokens/",
        {"name": "export", "scope": "write", "expires": "30", "sites": [riyadh.pk]},
    )
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    [secret] = SECRET.findall(response.content.decode())
    token = ApiToken.objects.get(user=member)
    assert secret.startswith(token.prefix + "_")
    assert (token.scope, list(token.sites.all())) == ("write", [riyadh])
    assert token.expires_at is not None
    again = client.get("/api/tokens/").content.decode()
    assert secret not in again and f"{token.prefix}_…" in again
    assert SECRET.findall(again) == []


def test_a_token_is_revoked_from_the_page_and_says_so(client, member, make_token):
    made = make_token()
    client.force_login(member)
    response = client.post(f"/api/tokens/{made.token.pk}/revoke/", follow=True)
    made.token.refresh_from_db()
    assert made.token.revoked_at is not None
    html = response.content.decode()
    assert f"Token {made.token.prefix} is revoked." in html and "revoked" in html


def test_nobody_sees_or_revokes_someone_elses_tokens(client, make_token, django_user_model):
    made = make_token()
    other = django_user_model.objects.create_user("omar", password="x-Long-Pass-2026")
    client.force_login(other)
    assert made.token.prefix not in client.get("/api/tokens/").content.decode()
    assert client.post(f"/api/tokens/{made.token.pk}/revoke/").status_code == 404
    made.token.refresh_from_db()
    assert made.token.revoked_at is None


def test_the_page_needs_a_login(client):
    response = client.get("/api/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_reads_in_arabic(client, member):
    from portal.sites.models import Profile

    Profile.objects.filter(user=member).update(language="ar")
    client.force_login(member)
    html = client.get("/api/tokens/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html
    assert "API tokens" not in html
