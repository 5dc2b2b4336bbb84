"""Every task view checks access in Python: a site the user may not see is a 404 everywhere,
and no page across sites lets one of its tasks through."""

import pytest

from .helpers import row_keys

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def riyadh_only(portal_site, member, grant, site_login, frozen_now, django_user_model):
    riyadh = portal_site("riyadh", time_zone="Asia/Riyadh")
    cairo = portal_site("cairo", time_zone="Africa/Cairo")
    grant(member, riyadh)
    site_login(member, riyadh)
    # Someone else is connected to Cairo: its tasks must still never reach `member`.
    other = django_user_model.objects.create_user("omar", password="x-Long-Pass-2026")
    grant(other, cairo)
    site_login(other, cairo)
    return riyadh, cairo


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/tasks/{site}/2001/"),
        ("get", "/tasks/{site}/2001/edit/"),
        ("post", "/tasks/{site}/2001/edit/"),
        ("post", "/tasks/{site}/2001/status/"),
        ("post", "/tasks/{site}/2001/assign/"),
        ("get", "/tasks/{site}/2001/delete/"),
        ("post", "/tasks/{site}/2001/delete/"),
        ("get", "/tasks/{site}/new/"),
        ("post", "/tasks/{site}/new/"),
        ("post", "/tasks/{site}/write-access/"),
    ],
)
def test_a_site_without_the_grant_is_not_found(client, member, riyadh_only, standin, method, path):
    _, cairo = riyadh_only
    client.force_login(member)
    data = {"status": "done", "title": "x", "task_type": "call"} if method == "post" else None
    response = getattr(client, method)(path.format(site=cairo.pk), data)
    assert response.status_code == 404
    assert standin.sites["cairo"].control.task(2001)["status"] != "Done"
    assert standin.sites["cairo"].control.task(2001) is not None


def test_pages_across_sites_show_only_granted_sites(client, member, riyadh_only, standin):
    riyadh, cairo = riyadh_only
    client.force_login(member)
    for url in (
        "/?scope=all",
        "/?scope=all&bucket=upcoming",
        "/tasks/",
        f"/tasks/?site={cairo.pk}",
    ):
        html = client.get(url).content.decode()
        assert {site for site, _ in row_keys(html)} <= {riyadh.pk}
        assert "Cairo" not in html


def test_bulk_rows_on_a_site_without_the_grant_fail_without_touching_it(
    client, member, riyadh_only, standin
):
    from tests.integration.tasks_ui.bulk_support import run_here

    _, cairo = riyadh_only
    client.force_login(member)
    response = client.post(
        "/tasks/bulk/", {"action": "delete", "confirmed": "1", "row": [f"{cairo.pk}:2001"]}
    )
    job_id = response["Location"].split("/")[3]
    run_here(job_id)
    html = client.get(response["Location"]).content.decode()
    assert "No such site." in html and "Cairo" not in html
    assert standin.sites["cairo"].control.task(2001) is not None


def test_anonymous_visitors_are_sent_to_log_in(client, riyadh_only):
    riyadh, _ = riyadh_only
    for url in ("/tasks/", f"/tasks/{riyadh.pk}/1001/", "/tasks/new/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
