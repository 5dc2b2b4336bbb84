"""/metrics is served to a scraper with the token or from an allowed address, never to anyone
else, nor to a caller that came through a proxy without the token."""

import ipaddress

import pytest

from tests.integration.ops.scrape import TOKEN

pytestmark = pytest.mark.django_db
OUTSIDE = "203.0.113.9"


@pytest.fixture(autouse=True)
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def test_a_caller_from_another_address_without_the_token_is_refused(client):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 403
    assert b"portal_" not in response.content


def test_a_wrong_token_is_refused(client):
    for header in (f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", TOKEN):
        response = client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=header)
        assert response.status_code == 403, header


def test_the_token_opens_it_from_anywhere(client):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert "portal_deliveries" in text and "portal_queue_messages" in text
    assert "django_http_requests_total_by_method_total" in text  # django-prometheus' own


def test_loopback_needs_no_token_unless_the_request_came_through_a_proxy(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    proxied = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE)
    assert proxied.status_code == 403
    forwarded = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_FORWARDED="for=1.2.3.4")
    assert forwarded.status_code == 403


def test_allowed_networks_come_from_the_setting(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.20.0.0/16")]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.21.3.4").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_only_get_is_answered(client):
    response = client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405
