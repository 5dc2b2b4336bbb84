"""The portal's own 403, 404 and 500 pages, with its navigation, DEBUG on (make run) or off:
never Django's technical 404 page, which lists every URL pattern of the portal."""

import pytest
from django.test import Client

from portal.sites.models import Profile, Site, SiteGrant
from tests.integration.sites.conftest import make_user

pytestmark = pytest.mark.django_db
NAV = '<nav aria-label="Main">'


@pytest.fixture(params=[True, False], ids=["DEBUG on", "DEBUG off"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def member(django_user_model):
    granted = Site.objects.create(name="Granted", base_url="http://127.0.0.1:9", client_id="a")
    user = make_user(django_user_model, "mona")
    SiteGrant.objects.create(site=granted, user=user)
    return user


@pytest.fixture
def other_site(db):
    return Site.objects.create(name="Not granted", base_url="http://127.0.0.2:9", client_id="b")


def assert_portal_page(response, status: int, heading: str):
    body = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f"<h1>{heading}</h1>" in body
    assert NAV in body and 'href="/tasks/"' in body  # the portal's navigation
    assert "URLconf" not in body and "Traceback" not in body and "DEBUG = True" not in body


def test_a_task_of_a_site_without_a_grant_is_the_portals_404(client, debug, member, other_site):
    client.force_login(member)
    response = client.get(f"/tasks/{other_site.pk}/37/")
    assert_portal_page(response, 404, "Page not found")
    assert "Not granted" not in response.content.decode()


def test_a_url_that_matches_nothing_is_the_portals_404(client, debug, member):
    client.force_login(member)
    assert_portal_page(client.get("/no/such/page/"), 404, "Page not found")


def test_a_missing_slash_still_redirects_rather_than_answering_404(client, debug, member):
    client.force_login(member)
    response = client.get("/tasks")
    assert response.status_code == 301 and response["Location"] == "/tasks/"


def test_an_anonymous_visitor_gets_the_404_page_without_navigation(client, debug):
    response = client.get("/no/such/page/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()
    assert NAV not in response.content.decode()


def test_a_page_for_admins_is_the_portals_403_for_a_member(client, debug, member):
    client.force_login(member)
    response = client.get("/sites/people/")
    assert_portal_page(response, 403, "Not allowed")
    assert "ask a portal admin" in response.content.decode()


def test_a_refused_csrf_check_is_the_portals_403(debug, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/notifications/me/", {"time_zone": "UTC"})
    assert_portal_page(response, 403, "Not allowed")
    assert "reload the page" in response.content.decode()


def test_a_crash_is_the_portals_500_page_with_its_navigation(member, settings, monkeypatch):
    settings.DEBUG = False  # DEBUG keeps Django's traceback page for developers
    client = Client(raise_request_exception=False)
    client.force_login(member)

    def crash():
        raise RuntimeError("boom")

    monkeypatch.setattr("portal.ops.views.health_report", crash)
    assert_portal_page(client.get("/healthz"), 500, "Something went wrong")


def test_the_500_page_renders_without_navigation_when_the_request_cannot_be_used(rf, monkeypatch):
    from portal import errors

    request = rf.get("/")  # no user, no session: the context processors cannot run as usual

    def broken_render(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(errors, "render", broken_render)
    response = errors.server_error(request)
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode() and NAV not in (
        response.content.decode()
    )


def test_a_404_a_view_builds_itself_is_left_alone(client, debug):
    response = client.post("/notifications/webhooks/999999/", data=b"{}",
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 404 and response.json() == {"error": "unknown site"}


def test_the_pages_carry_the_content_security_policy(client, settings, django_user_model):
    settings.DEBUG = False  # django-csp leaves DEBUG's 404 and 500 pages without a policy
    admin = make_user(django_user_model, "ada", Profile.Role.ADMIN)
    client.force_login(admin)
    response = client.get("/no/such/page/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
