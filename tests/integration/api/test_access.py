"""Every API route as a person without the grant: a site they may not see is a 404 wherever it
is named, a list never lets one of its tasks through, a role's route is a 403. The routes are
read from the URL resolver, so a new route fails here until its expectation is written down."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from portal.sites.models import AuditEntry, Profile
from portal.tasks_ui.models import BulkJob

pytestmark = pytest.mark.django_db(transaction=True)

# Route name → what a member granted Riyadh only gets when the route names Cairo (or asks for
# someone else's job): "404", "403", "list" (200 without a Cairo task or name), "bulk" (202, the
# row failed without touching Cairo) or "docs" (200: the API's description, no site data).
EXPECTED = {
    "schema": "docs",
    "docs": "docs",
    "inbox": "list",
    "tasks": "list",  # GET; its POST creates on the site named in the body: 404
    "bulk": "bulk",
    "bulk_job": "404",
    "task": "404",
    "task_status": "404",
    "sites": "list",
    "site": "404",
    "deliveries": "403",
    "report": "403",
    "no_such_route": "404",
}
BODIES = {
    "post": {"status": "done", "title": "x", "action": "delete", "tasks": ["{site}:2001"]},
    "patch": {"title": "x"},
}


def api_routes() -> list[tuple[str, str, object]]:
    """(name, path template, view class) of every route under /api/v1/."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                found.append((entry.name, prefix + str(entry.pattern), entry.callback))

    walk(get_resolver().url_patterns, "/")
    return [(name, path, view) for name, path, view in found if path.startswith("/api/v1/")]


def methods_of(view) -> list[str]:
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    return [m for m in ("get", "post", "patch", "put", "delete") if hasattr(cls, m)]


def filled(path: str, *, site: int, job: str) -> str:
    return (
        path.replace("<int:site_id>", str(site))
        .replace("<task:task_id>", "2001")
        .replace("<str:job_id>", job)
        .replace("^.*$", "elsewhere/")
    )


@pytest.fixture
def riyadh_only(portal_site, member, grant, site_login, frozen_now, django_user_model):
    riyadh = portal_site("riyadh", time_zone="Asia/Riyadh")
    cairo = portal_site("cairo", time_zone="Africa/Cairo")
    grant(member, riyadh)
    site_login(member, riyadh)
    other = django_user_model.objects.create_user("omar", password="x-Long-Pass-2026")
    Profile.objects.create(user=other, role=Profile.Role.MEMBER)
    grant(other, cairo)
    site_login(other, cairo)
    job = BulkJob.objects.create(owner=other, action="delete", created_at=frozen_now)
    return riyadh, cairo, job


def test_every_route_has_an_expectation():
    assert sorted(name for name, _path, _view in api_routes()) == sorted(EXPECTED)


def test_no_route_shows_or_changes_a_site_without_the_grant(api, riyadh_only, standin):
    from tests.integration.tasks_ui.bulk_support import run_here

    riyadh, cairo, job = riyadh_only
    before = standin.sites["cairo"].control.task(2001)
    for name, path, view in api_routes():
        url = filled(path, site=cairo.pk, job=job.public_id)
        for method in methods_of(view):
            body = {k: ([v[0].format(site=cairo.pk)] if isinstance(v, list) else v)
                    for k, v in BODIES.get(method, {}).items()}  # fmt: skip
            if name == "tasks" and method == "post":
                body["site_id"] = cairo.pk
            response = getattr(api, method)(url, body, format="json")
            where = f"{method.upper()} {url}"
            text = response.content.decode()
            expected = EXPECTED[name]
            if expected == "list" and method == "get":
                assert response.status_code == 200, where
                assert "Cairo" not in text and f'"site_id":{cairo.pk},' not in text, where
            elif expected == "docs":
                assert response.status_code == 200, where
            elif expected == "bulk":
                assert response.status_code == 202, where
                run_here(response.json()["id"])
                [row] = api.get(response["Location"]).json()["rows"]
                assert (row["state"], row["message"], row["site_name"]) == (
                    "failed", "No such site.", ""
                ), where  # fmt: skip
            elif expected == "403":
                assert response.status_code == 403, where
            else:
                assert response.status_code == 404, f"{where}: {response.status_code} {text}"
            if response.status_code >= 400:
                assert response["Content-Type"] == "application/problem+json", where
    assert standin.sites["cairo"].control.task(2001) == before
    assert not AuditEntry.objects.filter(site=cairo).exists()


def test_a_token_limited_to_one_site_reads_and_writes_only_there(
    api_for, django_user_model, portal_site, site_login, frozen_now, standin
):
    admin = django_user_model.objects.create_user("ada", password="x-Long-Pass-2026")
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    riyadh = portal_site("riyadh", time_zone="Asia/Riyadh")
    cairo = portal_site("cairo", time_zone="Africa/Cairo")
    site_login(admin, riyadh)
    site_login(admin, cairo)
    client = api_for(admin, site_ids=[riyadh.pk])
    listed = client.get("/api/v1/inbox/?scope=all&bucket=upcoming").json()
    assert listed["results"] and {row["site_id"] for row in listed["results"]} == {riyadh.pk}
    assert client.get(f"/api/v1/tasks/{cairo.pk}/2001/").status_code == 404
    response = client.post(f"/api/v1/tasks/{cairo.pk}/2001/status/", {"status": "done"},
                           format="json")  # fmt: skip
    assert response.status_code == 404
    assert standin.sites["cairo"].control.task(2001)["status"] != "Done"
    assert client.get(f"/api/v1/tasks/{riyadh.pk}/1001/").status_code == 200
    # The same person with an unlimited token sees both.
    everything = api_for(admin).get("/api/v1/inbox/?scope=all&bucket=upcoming").json()
    assert {row["site_id"] for row in everything["results"]} == {riyadh.pk, cairo.pk}
