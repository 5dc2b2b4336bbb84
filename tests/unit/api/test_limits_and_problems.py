"""Rate limits per token, errors as problem details, and a schema without warnings."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_a_token_past_its_rate_gets_a_429_problem_and_another_token_does_not(
    api, make_token, granted, settings
):
    settings.API_RATE_PER_MINUTE = 3
    busy, calm = make_token(), make_token(name="other")
    answers = [api(busy.secret).get("/api/v1/sites/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = api(busy.secret).get("/api/v1/sites/")
    assert refused["Content-Type"] == "application/problem+json"
    assert int(refused["Retry-After"]) > 0
    body = refused.json()
    assert body["status"] == 429 and body["code"] == "throttled"
    assert api(calm.secret).get("/api/v1/sites/").status_code == 200


def test_a_site_one_may_not_see_is_a_404_problem(api, make_token, sites):
    response = api(make_token().secret).get(f"/api/v1/sites/{sites['Riyadh'].pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": body["detail"],
        "code": "not_found",
    }
    assert "Riyadh" not in response.content.decode()


def test_an_address_the_api_does_not_have_is_a_404_problem(api, make_token):
    for path in ("/api/v1/nothing/", "/api/v1/tasks"):
        response = api(make_token().secret).get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert api().get("/api/v1/nothing/").status_code == 401  # who asks is checked first


def test_invalid_fields_are_a_400_problem_naming_them(api, make_token, granted):
    made = make_token(scope="write")
    response = api(made.secret).post(
        "/api/v1/tasks/bulk/", {"action": "explode", "tasks": []}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and set(body["errors"]) == {"action", "tasks"}
    listed = api(made.secret).get("/api/v1/tasks/?bucket=soon&date_from=yesterday")
    assert listed.status_code == 400
    assert set(listed.json()["errors"]) == {"bucket", "date_from"}


def test_a_member_is_refused_the_lead_and_admin_routes(api, make_token, granted):
    client = api(make_token().secret)
    for path in ("/api/v1/reports/", "/api/v1/deliveries/"):
        response = client.get(path)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


def test_a_tampered_cursor_is_a_400_problem(api, make_token, granted):
    response = api(make_token().secret).get("/api/v1/inbox/?cursor=abc")
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_the_schema_is_served_and_generates_without_warnings(api, make_token, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    response = api(make_token().secret).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/tasks/{site_id}/{task_id}/status/" in paths
    problem = paths["/api/v1/tasks/"]["post"]["responses"]["409"]["content"]
    assert list(problem) == ["application/problem+json"]


def test_the_reference_page_is_served_from_the_project(client, member):
    client.force_login(member)
    html = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html
    assert "<style" not in html and "<script>" not in html  # the CSP allows neither
