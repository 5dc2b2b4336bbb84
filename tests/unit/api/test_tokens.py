"""Personal access tokens: made and shown once, kept only as a hash, revoked, expiring, read
tokens refused writes, tokens limited to sites seeing only those."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from portal import clock
from portal.api.models import ApiToken
from portal.sites.models import AuditEntry

pytestmark = pytest.mark.django_db


def site_names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [site["name"] for site in response.json()]


def test_a_token_is_kept_only_as_its_hash_and_a_short_prefix(make_token):
    made = make_token()
    row = ApiToken.objects.get(pk=made.token.pk)
    assert made.secret.startswith(row.prefix + "_") and len(made.secret) > 50
    assert row.digest == hashlib.sha256(made.secret.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.filter(pk=row.pk).values().first().values()]
    assert not any(made.secret in value or made.secret[len(row.prefix) :] in value
                   for value in stored)  # fmt: skip
    entry = AuditEntry.objects.get(action="api_token_create")
    assert made.secret not in str(entry.changes) and row.prefix in str(entry.changes)


def test_a_token_authenticates_its_person_and_notes_when_it_was_used(api, make_token, granted):
    made = make_token()
    assert made.token.last_used_at is None
    assert sorted(site_names(api(made.secret).get("/api/v1/sites/"))) == [
        "Cairo",
        "Dubai",
        "Riyadh",
    ]
    made.token.refresh_from_db()
    assert made.token.last_used_at is not None


@pytest.mark.parametrize(
    "spoil",
    [
        lambda secret: secret[:-1] + ("A" if secret[-1] != "A" else "B"),  # wrong secret
        lambda secret: secret.split("_")[0] + "_deadbeef_" + secret.split("_", 2)[2],
        lambda secret: "not-a-token",
        lambda secret: "",
    ],
)
def test_a_wrong_token_is_a_401_problem(api, make_token, granted, spoil):
    made = make_token()
    response = api(spoil(made.secret) or None).get("/api/v1/sites/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401 and body["type"] == "about:blank" and body["detail"]


def test_a_revoked_token_no_longer_works(api, make_token, member, granted):
    from portal.api.tokens import token_revoke

    made = make_token()
    assert api(made.secret).get("/api/v1/sites/").status_code == 200
    token_revoke(user=member, token_id=made.token.pk)
    response = api(made.secret).get("/api/v1/sites/")
    assert response.status_code == 401
    assert "revoked, expired or unknown" in response.json()["detail"]
    assert AuditEntry.objects.filter(action="api_token_revoke").count() == 1


def test_someone_elses_token_cannot_be_revoked(make_token, django_user_model):
    from portal.api.tokens import token_revoke

    made = make_token()
    other = django_user_model.objects.create_user("omar", password="x-Long-Pass-2026")
    assert token_revoke(user=other, token_id=made.token.pk) is None
    made.token.refresh_from_db()
    assert made.token.revoked_at is None


def test_an_expired_token_no_longer_works(api, make_token, granted):
    made = make_token(expires_at=clock.now() + timedelta(hours=1))
    assert api(made.secret).get("/api/v1/sites/").status_code == 200
    ApiToken.objects.filter(pk=made.token.pk).update(expires_at=clock.now() - timedelta(seconds=1))
    assert api(made.secret).get("/api/v1/sites/").status_code == 401


def test_the_token_of_a_deactivated_person_no_longer_works(api, make_token, member, granted):
    made = make_token()
    member.is_active = False
    member.save()
    assert api(made.secret).get("/api/v1/sites/").status_code == 401


def test_a_read_token_is_refused_every_write_before_anything_happens(api, make_token, granted):
    made = make_token(scope="read")
    client = api(made.secret)
    riyadh = granted["Riyadh"]
    answers = [
        client.post("/api/v1/tasks/", {"site_id": riyadh.pk, "title": "x"}, format="json"),
        client.patch(f"/api/v1/tasks/{riyadh.pk}/1/", {"title": "x"}, format="json"),
        client.delete(f"/api/v1/tasks/{riyadh.pk}/1/"),
        client.post(f"/api/v1/tasks/{riyadh.pk}/1/status/", {"status": "done"}, format="json"),
        client.post("/api/v1/tasks/bulk/", {"action": "delete", "tasks": [f"{riyadh.pk}:1"]},
                    format="json"),
    ]  # fmt: skip
    for response in answers:
        assert response.status_code == 403, response.content
        assert "may only read" in response.json()["detail"]
    assert not AuditEntry.objects.exclude(action="api_token_create").exists()


def test_a_token_limited_to_sites_sees_only_those(api, make_token, granted):
    riyadh, cairo = granted["Riyadh"], granted["Cairo"]
    made = make_token(site_ids=[riyadh.pk, cairo.pk])
    client = api(made.secret)
    assert sorted(site_names(client.get("/api/v1/sites/"))) == ["Cairo", "Riyadh"]
    assert client.get(f"/api/v1/sites/{granted['Dubai'].pk}/").status_code == 404
    assert client.get(f"/api/v1/sites/{riyadh.pk}/").status_code == 200


def test_a_token_cannot_be_limited_to_a_site_its_person_may_not_see(make_token, member, sites):
    from portal.sites.models import SiteGrant

    SiteGrant.objects.create(site=sites["Riyadh"], user=member)
    made = make_token(site_ids=[sites["Riyadh"].pk, sites["Cairo"].pk])
    assert list(made.token.sites.values_list("name", flat=True)) == ["Riyadh"]


def test_a_limited_token_loses_a_site_when_its_person_loses_the_grant(api, make_token, granted):
    from portal.sites.models import SiteGrant

    riyadh = granted["Riyadh"]
    made = make_token(site_ids=[riyadh.pk])
    SiteGrant.objects.filter(site=riyadh).delete()
    assert site_names(api(made.secret).get("/api/v1/sites/")) == []


def test_the_limit_ends_with_the_request(api, make_token, granted, member):
    from portal.sites.access import site_list_for_user

    made = make_token(site_ids=[granted["Riyadh"].pk])
    assert site_names(api(made.secret).get("/api/v1/sites/")) == ["Riyadh"]
    assert site_list_for_user(user=member).count() == 3


def test_a_session_works_for_reads_and_needs_the_csrf_token_for_writes(member, granted):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.get("/api/v1/sites/").status_code == 200
    response = client.post("/api/v1/tasks/bulk/", {"action": "delete", "tasks": ["1:1"]},
                           format="json")  # fmt: skip
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
