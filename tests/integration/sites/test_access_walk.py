"""Every URL the portal serves refuses a logged-in user without the grant or the role.

The walk takes every pattern from Django's resolver, so a new view is covered the day it is
added: its keyword arguments must be known below, or this test fails and asks for them.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from portal.sites.models import Profile, SiteGrant
from tests.integration.sites.conftest import make_user

pytestmark = pytest.mark.django_db

# Pages any logged-in user may open; they must show nothing of sites the user may not see.
OPEN_TO_ANY_USER = {
    "healthz", "login", "logout", "set_language", "language", "tasks_ui:home", "sites:list",
    "sites:oauth_callback", "javascript-catalog", "admin:login",
    # Task pages across sites: they show only the user's own sites (bulk checks each row).
    "tasks_ui:search", "tasks_ui:create_choose", "tasks_ui:bulk", "tasks_ui:board",
    "tasks_ui:calendar",
    # A person's own reminder settings, channels and notifications, and their API tokens.
    "notifications:me", "notifications:my_channels", "notifications:my_apprise",
    "notifications:my_apprise_test", "notifications:centre", "notifications:centre_count",
    "notifications:centre_read", "notifications:centre_read_all", "api:tokens",
    "api:token_revoke", "tasks_ui:view_save", "tasks_ui:view_delete", "tasks_ui:view_start",
    # The stream of task changes: only of the person's own sites (tests/integration/live).
    # The walks below open it without reading it, so it never waits for a change.
    "live:events",
}  # fmt: skip


def walk(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = namespace
            if entry.namespace:
                space = f"{namespace}{entry.namespace}:"
            yield from walk(entry, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else None), prefix + str(entry.pattern)


def fill(route: str, values: dict) -> str:
    import re

    def replace(match):
        name = match.group(2)
        if name not in values:
            pytest.fail(f"the walk does not know how to fill <{name}> in {route}: add it")
        return str(values[name])

    path = re.sub(r"<(?:(\w+):)?(\w+)>", replace, route)
    return "/" + path.replace("^", "").replace("$", "")


def route_values(site, user, group, team) -> dict:
    """A value for every keyword argument of the portal's URL patterns."""
    return {
        "site_id": site.pk, "user_id": user.pk, "group_id": group.pk, "team_id": team.pk,
        "task_id": 16, "object_id": user.pk, "app_label": "auth", "content_type_id": 1,
        "url": "x", "delivery_id": 1, "rule_id": 1, "channel_id": 1, "token": "x",
        "report_id": 1, "path": "x", "id": user.pk, "model_name": "user", "table": "sites",
        "job_id": "x", "notification_id": 1, "token_id": 1, "view_id": 1,
    }  # fmt: skip


def test_every_url_refuses_a_user_without_the_grant(
    client, outsider, site_a, admin_user, group, team, settings
):
    # /metrics goes by token or caller address, not by user (tests/integration/ops), and the
    # test client calls from loopback, which it allows by default.
    settings.METRICS_ALLOWED_NETWORKS = []
    values = route_values(site_a, admin_user, group, team)
    client.force_login(outsider)
    checked = 0
    for name, route in walk():
        # The API answers for the person's own sites only: tests/integration/api/test_access.py
        # walks every one of its routes as a person without the grant.
        if name in OPEN_TO_ANY_USER or route.startswith("api/v1/"):
            continue
        url = fill(route, values)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            refused = response.status_code in (403, 404, 405) or (
                response.status_code == 302 and "login" in response["Location"]
            )
            if name and name.startswith("admin:"):
                # Django's admin sends non-staff users elsewhere rather than answering 403.
                refused = response.status_code != 200
            assert refused, f"{method.upper()} {url} ({name}) gave {response.status_code}"
            checked += 1
    assert checked > 20  # the walk really walked


def test_open_pages_show_nothing_of_sites_the_user_may_not_see(client, outsider, site_a):
    client.force_login(outsider)
    for url in (
        "/",
        "/sites/",
        "/tasks/",
        "/tasks/new/",
        "/tasks/board/",
        "/tasks/calendar/?scope=all",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert b"Site A" not in response.content


def test_anonymous_visitors_are_sent_to_log_in(client, site_a):
    for url in ("/", "/sites/", f"/sites/{site_a.pk}/", "/sites/people/", "/sites/audit/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("role", [Profile.Role.ADMIN, Profile.Role.LEAD])
def test_every_page_without_arguments_opens_for_those_allowed(
    client, django_user_model, site_a, team, role, language
):
    """What the menus link to, opened bare (no query string), by an admin and by a lead, in
    both languages: never a server error. The test client re-raises a view's exception."""
    user = make_user(django_user_model, f"walker-{role}", role)
    Profile.objects.filter(user=user).update(language=language)
    SiteGrant.objects.create(site=site_a, user=user)
    client.force_login(user)
    opened = 0
    for name, route in walk():
        if "<" in route or (name or "").startswith("admin:") or name == "logout":
            continue
        response = client.get(fill(route, {}))
        assert response.status_code < 500, f"GET {route} ({name}) gave {response.status_code}"
        opened += response.status_code == 200
    assert opened > (15 if role == Profile.Role.ADMIN else 5)  # the pages really opened


def test_every_page_with_arguments_answers_an_admin_without_a_server_error(
    client, site_a, admin_user, group, team
):
    """The same walk with arguments, as an admin who may open everything: unknown ids, a site
    that does not answer (site A's address refuses connections) and bad tokens end on a page
    that says so, never a 500."""
    values = route_values(site_a, admin_user, group, team)
    client.force_login(admin_user)
    opened = 0
    for name, route in walk():
        if "<" not in route or (name or "").startswith("admin:"):
            continue
        url = fill(route, values)
        response = client.get(url)
        assert response.status_code < 500, f"GET {url} ({name}) gave {response.status_code}"
        opened += response.status_code == 200
    assert opened > 10
