"""Live updates on the task pages: the portal's writes tell open pages which task changed (ids
only), pages subscribe to the stream, and a row or the task page's summary reads itself again
through the normal, access-checked task view."""

import re

import pytest

from portal.live.models import LiveEvent
from portal.sites.models import SiteGrant

from .test_actions import open_task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def embedded(settings):
    settings.REDIS_URL = None


def published():
    return list(LiveEvent.objects.order_by("pk").values_list("site_id", "task_id", "kind"))


def row_again(client, site, task_id, next_url="/?bucket=today"):
    return client.get(
        f"/tasks/{site.pk}/{task_id}/",
        {"next": next_url},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"task-{site.pk}-{task_id}",
    )


def test_writes_tell_open_pages_what_changed(client, member, three_sites, standin):
    site = three_sites["riyadh"]
    task_id = open_task(standin, "riyadh")
    client.force_login(member)
    client.post(f"/tasks/{site.pk}/{task_id}/status/", {"status": "done"}, HTTP_HX_REQUEST="true")
    client.post(f"/tasks/{site.pk}/{task_id}/delete/", HTTP_HX_REQUEST="true")
    assert published() == [(site.pk, str(task_id), "changed"), (site.pk, str(task_id), "deleted")]


def test_a_refused_write_tells_nobody(client, member, three_sites, standin):
    site = three_sites["riyadh"]
    client.force_login(member)
    client.post(f"/tasks/{site.pk}/999999/status/", {"status": "done"}, HTTP_HX_REQUEST="true")
    assert published() == []


def test_a_row_reads_itself_again_and_keeps_listening(client, member, three_sites, standin):
    site = three_sites["cairo"]
    task_id = open_task(standin, "cairo")
    client.force_login(member)
    response = row_again(client, site, task_id)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="task-{site.pk}-{task_id}"')
    assert f'hx-trigger="sse:task-{site.pk}-{task_id}"' in html
    assert "data-live" in html and "data-refocus" not in html  # focus stays where it is
    assert 'name="next" value="/?bucket=today"' in html
    assert "tasks-changed" in response["HX-Trigger"]  # the count bars read their numbers


def test_a_row_whose_task_is_gone_says_so_without_taking_focus(
    client, member, three_sites, standin
):
    site = three_sites["riyadh"]
    task_id = open_task(standin, "riyadh")
    standin.sites["riyadh"].control.delete_task(task_id)
    client.force_login(member)
    html = row_again(client, site, task_id).content.decode()
    assert 'class="gone"' in html and "no longer on its site" in html
    assert "data-refocus" not in html


def test_a_row_of_a_site_without_a_grant_is_not_shown(client, member, three_sites, standin):
    site = three_sites["riyadh"]
    task_id = open_task(standin, "riyadh")
    SiteGrant.objects.filter(site=site, user=member).delete()
    client.force_login(member)
    response = row_again(client, site, task_id)
    assert response.status_code in (403, 404)
    assert b"Action target" not in response.content


def test_the_pages_subscribe_to_the_stream(client, member, three_sites, standin):
    site = three_sites["plainsite"]
    task_id = open_task(standin, "plainsite", assigned_to="sales1@plainsite.test")
    client.force_login(member)
    for url in ("/?scope=all", "/tasks/?q=Action", f"/tasks/{site.pk}/{task_id}/"):
        html = client.get(url).content.decode()
        assert 'hx-ext="sse" sse-connect="/live/events/"' in html, url
        assert "vendor/htmx-ext-sse/sse.min.js" in html and 'id="live-note"' in html, url
        # Each row listens for its own task's event.
        assert url != "/?scope=all" or re.search(
            r'<tr id="(task-\d+-[\w.-]+)"[^>]*hx-trigger="sse:\1"', html
        ), url
    assert f'hx-trigger="sse:task-{site.pk}-{task_id}"' in html  # the task page's summary
    search = client.get("/tasks/?q=Action").content.decode()
    assert f'<tr id="task-{site.pk}-{task_id}"' in search
    assert f'hx-trigger="sse:task-{site.pk}-{task_id}"' in search
