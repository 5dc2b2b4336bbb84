"""A slow or broken site never breaks a page: its card stands in its place, the others render;
an action on an unreachable site names it and offers a retry; a refused token shows
"reconnect" instead of failing."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.sites.models import Connection, Site

from .helpers import row_keys

pytestmark = pytest.mark.django_db(transaction=True)


class _Slow(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the base class's name
        time.sleep(self.server.delay)
        body = json.dumps({"data": []}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, *args):
        return


@pytest.fixture
def slow_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.daemon_threads = True
    server.delay = 20.0  # far beyond the timeout: healthy sites answer in time even when busy
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def connected_site(member, grant, **fields):
    site = Site.objects.create(client_id="portal", flavour="plain", time_zone="UTC", **fields)
    site.capabilities = {"vocabulary": {"statuses": ["Todo", "Done"], "priorities": ["High"]}}
    site.save()
    grant(member, site)
    Connection.objects.create(
        user=member, site=site, site_user_id="sales1@nowhere.test", token={"access_token": "t"}
    )
    return site


def test_an_unreachable_site_shows_a_card_beside_the_working_ones(
    client, member, three_sites, grant
):
    down = connected_site(member, grant, name="Down Town", base_url="http://127.0.0.1:9")
    client.force_login(member)
    response = client.get("/?scope=all&bucket=upcoming")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="card unreachable" data-site="Down Town"' in html
    assert "Down Town could not be reached" in html and "Try Down Town again" in html
    assert {s for s, _ in row_keys(html)} == {s.pk for s in three_sites.values()}
    down.refresh_from_db()
    assert down.last_error  # the site's health records it


def test_a_slow_site_times_out_into_a_card_while_the_others_render(
    client, member, three_sites, grant, slow_site, settings
):
    settings.INBOX_SITE_TIMEOUT = 4.0
    connected_site(member, grant, name="Slow Lane", base_url=slow_site)
    client.force_login(member)
    html = client.get("/tasks/?priority=High").content.decode()
    assert 'class="card timeout" data-site="Slow Lane"' in html
    assert "Slow Lane did not answer within 4 seconds." in html
    assert {s for s, _ in row_keys(html)} == {s.pk for s in three_sites.values()}


def test_an_action_on_an_unreachable_site_names_it_and_offers_a_retry(
    client, member, three_sites, grant
):
    down = connected_site(member, grant, name="Down Town", base_url="http://127.0.0.1:9")
    client.force_login(member)
    response = client.post(
        f"/tasks/{down.pk}/7/status/",
        {"status": "done"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"task-{down.pk}-7",
    )
    html = response.content.decode()
    assert response.status_code == 200 and response["HX-Retarget"] == "#alerts"
    assert "Down Town could not be reached" in html and "Try again" in html
    assert f'hx-post="/tasks/{down.pk}/7/status/"' in html and 'value="done"' in html
    page = client.post(f"/tasks/{down.pk}/7/status/", {"status": "done", "next": "/"})
    assert page.status_code == 302  # without JavaScript: back, with the message


def test_a_refused_token_shows_reconnect_instead_of_failing(client, member, three_sites, standin):
    connection = Connection.objects.get(user=member, site=three_sites["riyadh"])
    connection.site_user_id = "ghost@riyadh.test"
    connection.token = {"access_token": "garbage", "refresh_token": "garbage",
                        "expires_at": time.time() + 3600}  # fmt: skip
    connection.save()
    client.force_login(member)
    html = client.get("/?scope=all").content.decode()
    assert 'class="card reconnect" data-site="Riyadh"' in html
    assert f"/sites/{three_sites['riyadh'].pk}/connect/" in html
    connection.refresh_from_db()
    assert connection.needs_reconnect
    # The next page says so at once, without asking the site.
    assert 'class="card reconnect" data-site="Riyadh"' in client.get("/").content.decode()
