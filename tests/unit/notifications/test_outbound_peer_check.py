"""Webhook posts check the address they actually connect to, not only what DNS said before."""

import http.server
import threading

import pytest

from portal.notifications.channels import TransportError
from portal.notifications.channels import http as outbound


class Recorder(http.server.BaseHTTPRequestHandler):
    received: list[str] = []

    def do_POST(self):  # noqa: N802 (the standard library's name)
        Recorder.received.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Recorder.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_a_post_whose_socket_reaches_a_refused_address_sends_nothing(
    receiver, settings, monkeypatch
):
    settings.NOTIFY_ALLOW_LOOPBACK = False
    settings.NOTIFY_ALLOW_INSECURE_HTTP = True
    # DNS answered a public address at check time, then the name moved to loopback (rebinding).
    monkeypatch.setattr(outbound, "check_url", lambda url: None)
    with pytest.raises(TransportError) as refused:
        outbound.post(receiver, body=b"{}", headers={"Content-Type": "application/json"})
    assert refused.value.permanent and "loopback" in str(refused.value)
    assert Recorder.received == []


def test_the_same_post_goes_through_where_loopback_is_allowed(receiver, settings):
    settings.NOTIFY_ALLOW_LOOPBACK = True
    settings.NOTIFY_ALLOW_INSECURE_HTTP = True
    answer = outbound.post(receiver, body=b"{}", headers={"Content-Type": "application/json"})
    assert answer.status == 200 and Recorder.received == ["/hook"]
