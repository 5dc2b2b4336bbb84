"""How an Apprise send is judged from what its requests got back, how its URL is kept out of
every text, and what loading Apprise must not change in the rest of the process. No network:
the exchanges are what apprise_http records."""

from __future__ import annotations

import email.charset

import pytest

from portal.notifications.channels import TransportError
from portal.notifications.channels.apprise_http import Exchange
from portal.notifications.channels.apprise_transport import (
    AppriseURLError,
    display_url,
    outcome,
    redact,
    service_for,
)

URL = "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654321"


def judged(*exchanges: Exchange, ok: bool = False) -> TransportError:
    with pytest.raises(TransportError) as raised:
        outcome(ok=ok, exchanges=list(exchanges), service="Telegram", url=URL)
    return raised.value


def test_a_plugin_that_says_yes_succeeded():
    outcome(ok=True, exchanges=[Exchange("api.telegram.org", 200)], service="T", url=URL)


@pytest.mark.parametrize("status", [401, 403, 404, 405, 410])
def test_a_refusing_endpoint_is_permanent_and_breaks_the_channel(status):
    error = judged(Exchange("api.telegram.org", status, text="Unauthorized"))
    assert (error.permanent, error.breaks_channel, error.maybe_delivered) == (True, True, False)
    assert error.message == f"Telegram (api.telegram.org): HTTP {status}: Unauthorized"


@pytest.mark.parametrize("status", [400, 413, 422])
def test_a_refused_message_is_permanent_but_leaves_the_channel_working(status):
    error = judged(Exchange("api.telegram.org", status))
    assert (error.permanent, error.breaks_channel) == (True, False)


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503])
def test_busy_or_failing_services_are_retried_and_retry_after_is_kept(status):
    error = judged(Exchange("api.telegram.org", status, headers={"retry-after": "120"}))
    assert not error.permanent and not error.maybe_delivered and error.retry_after == 120


def test_a_redirect_is_permanent():
    assert judged(Exchange("h", 301)).permanent


def test_a_2xx_the_plugin_judged_a_refusal_is_not_retried_and_not_broken():
    error = judged(Exchange("api.telegram.org", 200, text='{"ok": false}'))
    assert (error.permanent, error.breaks_channel, error.maybe_delivered) == (True, False, False)


def test_a_failure_without_an_answer_is_what_the_observer_recorded():
    lost = TransportError("h: no answer within 10 s.", maybe_delivered=True)
    assert judged(Exchange("h", error=lost)) is lost


def test_a_failure_after_another_request_was_accepted_may_have_been_delivered():
    error = judged(Exchange("h", 200), Exchange("h", 500, text="down"))
    assert error.maybe_delivered and "1 of 2 requests were accepted" in error.message


def test_a_plugin_that_sent_nothing_and_said_no_is_a_configuration_problem():
    error = judged()
    assert error.permanent and "before contacting the service" in error.message


def test_every_part_of_the_url_is_redacted_from_a_text():
    text = "bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw chat 987654321 said no"
    cleaned = redact(text, URL)
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in cleaned and "987654321" not in cleaned
    assert cleaned.endswith("said no")


def test_an_answer_quoting_the_token_is_redacted_in_the_error():
    error = judged(
        Exchange("api.telegram.org", 401, text="bad token AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
    )
    assert (
        "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in error.message and "[redacted]" in error.message
    )


def test_pages_show_the_service_and_host_only():
    shown = display_url(URL)
    assert shown.startswith("tgram://") and shown.endswith("/…")
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in shown and "987654321" not in shown
    assert display_url("ntfys://ntfy.sh/my-private-topic") == "ntfys://ntfy.sh/…"


@pytest.mark.parametrize(
    ("url", "code"),
    [("", "missing"), ("nothing://x", "unknown"), ("mailto://u:p@example.com", "not_http"),
     ("dbus://", "unknown")],
)  # fmt: skip
def test_urls_the_portal_cannot_judge_are_refused_without_echoing_them(url, code):
    with pytest.raises(AppriseURLError) as raised:
        service_for(url)
    assert raised.value.code == code and (not url or url not in str(raised.value))


def test_apprise_retries_are_off_whatever_the_url_asks():
    assert service_for("json://example.com/x?retry=5").retry == 0


def test_loading_apprise_leaves_the_processs_email_encoding_alone():
    service_for("mmost://example.com/token")  # loads every plugin, its email plugin too
    assert email.charset.CHARSETS["utf-8"] == (email.charset.SHORTEST, email.charset.BASE64,
                                               "utf-8")  # fmt: skip
