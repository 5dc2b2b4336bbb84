"""Stand-in faults: each broken site becomes a card naming it while the other sites render;
a write the site refuses or never answers keeps the person's input and says what happened."""

import re

import pytest

from .helpers import form_data, row_keys, single

pytestmark = pytest.mark.django_db(transaction=True)

READS = ["/api/resource/CRM%20Task", "/api/resource/CRM Task"]
# Healthy sites must answer within the timeout even on a busy machine; a slow fault is made far
# slower than it, so which card a site gets never depends on the machine's load.
TIMEOUT = 4.0


@pytest.mark.parametrize(
    ("rule", "card", "words"),
    [
        ({"kind": "error", "status": 500}, "error", "Cairo answered: Injected fault: HTTP 500"),
        ({"kind": "html", "status": 502}, "unreachable", "Cairo could not be reached"),
        ({"kind": "invalid_json"}, "unreachable", "Cairo could not be reached"),
        ({"kind": "rate_limit", "retry_after": 5}, "unreachable", "Too Many Requests"),
        ({"kind": "refuse", "mode": "reset"}, "unreachable", "Cairo could not be reached"),
        ({"kind": "latency", "ms": 20000}, "timeout", "Cairo did not answer within 4 seconds"),
    ],
)
def test_a_faulty_site_is_a_card_beside_the_working_ones(
    client, member, three_sites, standin, settings, rule, card, words
):
    settings.INBOX_SITE_TIMEOUT = TIMEOUT
    standin.sites["cairo"].control.set_faults([rule])
    client.force_login(member)
    html = client.get("/?scope=all&bucket=upcoming").content.decode()
    assert f'class="card {card}" data-site="Cairo"' in html
    assert words in html
    shown = {site for site, _ in row_keys(html)}
    assert shown == {three_sites["riyadh"].pk, three_sites["plainsite"].pk}
    if card in ("unreachable", "timeout"):
        assert "Try Cairo again" in html


def test_a_timeout_on_one_site_does_not_hold_the_page(
    client, member, three_sites, standin, settings
):
    settings.INBOX_SITE_TIMEOUT = TIMEOUT
    standin.sites["plainsite"].control.set_faults([{"kind": "timeout", "seconds": 20}])
    client.force_login(member)
    html = client.get("/tasks/?priority=High").content.decode()
    assert 'class="card timeout" data-site="Plainsite"' in html
    assert {s for s, _ in row_keys(html)} == {three_sites["riyadh"].pk, three_sites["cairo"].pk}


def _edit_page(client, site, task_id):
    url = f"/tasks/{site.pk}/{task_id}/edit/"
    return url, client.get(url).content.decode()


def test_a_refused_save_shows_the_sites_message_and_keeps_the_input(
    client, member, three_sites, standin
):
    site = three_sites["riyadh"]
    client.force_login(member)
    url, page = _edit_page(client, site, 1005)
    standin.sites["riyadh"].control.set_faults(
        [{"kind": "error", "status": 417, "methods": ["POST"]}]
    )
    response = client.post(url, single(form_data(page, url), title="My careful wording"))
    html = response.content.decode()
    assert "Riyadh did not accept this: Injected fault: HTTP 417" in html
    assert 'value="My careful wording"' in html
    assert standin.sites["riyadh"].control.task(1005)["title"] != "My careful wording"


def test_a_save_that_gets_no_answer_names_the_site_and_offers_a_retry(
    client, member, three_sites, standin
):
    site = three_sites["riyadh"]
    client.force_login(member)
    url, page = _edit_page(client, site, 1006)
    standin.sites["riyadh"].control.set_faults(
        [{"kind": "refuse", "mode": "reset", "methods": ["POST"], "count": 1}]
    )
    data = single(form_data(page, url), title="Sent twice if need be")
    response = client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="form-area")
    html = response.content.decode()
    assert "Riyadh could not be reached" in html and "submit again to retry" in html
    assert 'value="Sent twice if need be"' in html
    again = client.post(url, single(form_data(html, url)), HTTP_HX_REQUEST="true",
                        HTTP_HX_TARGET="form-area")  # fmt: skip
    assert again.status_code == 200 and again["HX-Redirect"] == f"/tasks/{site.pk}/1006/"
    assert standin.sites["riyadh"].control.task(1006)["title"] == "Sent twice if need be"


def _site_requests(standin, name):
    return [e for e in standin.sites[name].control.log() if not e["path"].startswith("/_standin")]


def test_a_site_that_keeps_not_answering_is_shown_from_its_error_state_without_being_asked(
    client, member, three_sites, standin, settings
):
    settings.INBOX_SITE_TIMEOUT = TIMEOUT
    settings.CIRCUIT_FAILURES = 1
    settings.CIRCUIT_OPEN_SECONDS = 600
    standin.sites["cairo"].control.set_faults([{"kind": "timeout", "seconds": 20}])
    client.force_login(member)
    first = client.get("/?scope=all&bucket=upcoming").content.decode()
    assert 'class="card timeout" data-site="Cairo"' in first
    standin.sites["cairo"].control.clear_log()

    second = client.get("/?scope=all&bucket=upcoming").content.decode()

    assert 'class="card unreachable" data-site="Cairo"' in second
    assert "Cairo stopped answering a moment ago" in second
    assert _site_requests(standin, "cairo") == []  # not asked again
    assert {s for s, _ in row_keys(second)} == {
        three_sites["riyadh"].pk, three_sites["plainsite"].pk
    }  # fmt: skip


def test_after_the_open_period_one_probe_finds_the_site_back(
    client, member, three_sites, standin, settings
):
    import time as clock

    settings.INBOX_SITE_TIMEOUT = TIMEOUT
    settings.CIRCUIT_FAILURES = 1
    settings.CIRCUIT_OPEN_SECONDS = 1
    standin.sites["cairo"].control.set_faults([{"kind": "timeout", "seconds": 20}])
    client.force_login(member)
    assert 'data-site="Cairo"' in client.get("/?scope=all&bucket=upcoming").content.decode()
    standin.sites["cairo"].control.clear_faults()
    clock.sleep(1.2)

    html = client.get("/?scope=all&bucket=upcoming").content.decode()

    assert 'data-site="Cairo"' not in html.split("<table", 1)[0]  # no card any more
    assert three_sites["cairo"].pk in {s for s, _ in row_keys(html)}


def test_the_task_page_of_a_silent_site_answers_within_the_page_budget(
    client, member, three_sites, standin, settings
):
    settings.INBOX_PAGE_BUDGET = TIMEOUT  # the client's own read timeout is 20 s
    site = three_sites["riyadh"]
    standin.sites["riyadh"].control.set_faults([{"kind": "timeout", "seconds": 30}])
    client.force_login(member)
    html = client.get(f"/tasks/{site.pk}/1005/").content.decode()
    assert "Riyadh did not answer within 4 seconds." in html  # the budget's words, not the read's


def test_try_again_asks_a_site_whose_circuit_is_open_at_once(
    client, member, three_sites, standin, settings
):
    settings.INBOX_SITE_TIMEOUT = TIMEOUT
    settings.CIRCUIT_FAILURES = 1
    settings.CIRCUIT_OPEN_SECONDS = 600
    standin.sites["cairo"].control.set_faults([{"kind": "timeout", "seconds": 20}])
    client.force_login(member)
    html = client.get("/?scope=all&bucket=upcoming").content.decode()
    cairo = three_sites["cairo"].pk
    assert f"probe={cairo}" in html  # the card's "Try Cairo again"
    standin.sites["cairo"].control.clear_faults()

    again = client.get(f"/?scope=all&bucket=upcoming&probe={cairo}").content.decode()

    assert cairo in {s for s, _ in row_keys(again)}
    assert not re.search(r'hx-get="[^"]*probe=', again)  # its tabs do not probe again
