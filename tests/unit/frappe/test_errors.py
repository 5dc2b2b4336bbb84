"""Typed errors and human messages from every recorded error body."""

from __future__ import annotations

import pytest
import requests

from portal.sites.backends.frappe import (
    MethodMissing,
    NoPermission,
    NotFound,
    ReconnectNeeded,
    ServerError,
    SiteError,
    Transient,
    UnexpectedAnswer,
    ValidationFailed,
)
from portal.sites.backends.frappe.errors import (
    clean_message,
    error_for_status,
    redact,
    site_message,
)

from .recordings import answer, body_of, load


def error_of(number: str, *, write: bool = False) -> SiteError:
    recorded = load(number)["response"]
    return error_for_status(recorded["status"], recorded["body"], site="lab", write=write)


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("001", NoPermission), ("002", NoPermission), ("003", NoPermission), ("074", NoPermission),
        ("078", NoPermission), ("080", NoPermission), ("205", NoPermission), ("210", NoPermission),
        ("131", ReconnectNeeded), ("168", ReconnectNeeded), ("184", ReconnectNeeded),
        ("185", ReconnectNeeded), ("188", ReconnectNeeded), ("122", ReconnectNeeded),
        ("037", NotFound), ("046", NotFound), ("123", NotFound), ("140", NotFound),
        ("014", ValidationFailed), ("036", ValidationFailed), ("044", ValidationFailed),
        ("045", ValidationFailed), ("050", ValidationFailed), ("113", ValidationFailed),
        ("145", ValidationFailed), ("149", ValidationFailed), ("153", ValidationFailed),
        ("154", ValidationFailed), ("124", ValidationFailed),
        ("245", MethodMissing), ("246", MethodMissing),
        ("023", ServerError), ("031", ServerError),
    ],
)  # fmt: skip
def test_each_recorded_error_has_its_type(number, kind):
    assert type(error_of(number)) is kind


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("001", ("You are not permitted to access this resource. Function "
                "crm.api.mobile_api.create_task is not whitelisted.")),
        ("014", "Task Type is required"),
        ("037", "CRM Task 999999 not found"),  # 404 bodies have no exception [037]
        ("122", "Invalid login credentials"),
        ("131", "AuthenticationError"),
        ("145", "invalid_grant"),
        ("154", "invalid_request: Mismatching redirect URI."),
        ("205", "No permission for System Settings"),
        ("023", ("(1292, \"Incorrect datetime value: 'not-a-date' "
                "for column `_cee6cd68e6a3e87e`.`tabCRM Task`.`start_date` at row 1\")")),
    ],
)  # fmt: skip
def test_the_human_message_of_each_error(number, message):
    assert error_of(number).message == message


def test_server_messages_are_double_json_and_html_is_stripped():
    text = site_message(body_of("074"))
    assert "<strong>" not in text and "norole@lab.local does not have doctype access" in text


def test_all_server_messages_are_kept():
    text = error_of("077").message
    assert "does not have doctype access" in text and "not allowed to delete" in text


@pytest.mark.parametrize("number", ["140", "167"])
def test_a_dead_refresh_token_echoed_by_the_site_is_redacted(number):
    echoed = load(number)["request"]["body"]["refresh_token"]
    error = error_of(number)
    assert echoed not in error.message and echoed not in str(error)
    assert "OAuth Bearer Token" in error.message


@pytest.mark.parametrize(
    "secret",
    [
        "Bearer wk8lRgj1u0dKaRF8WIqcdlZb5EbNWW",
        "token 728b9c7ca3432a7:37ed6834dee49e7",
        "access_token=nmkGhPvDZuzQEmfhfLyWfPfKSolNv6",
        '"refresh_token": "abc"',
        "eyJhbGciOiJIUzI1NiIsInR5cCI6Imp3dCJ9.eyJhdWQiOiJvdDZib3A3ZXVmIn0.ehIpn4mNZkUE5iB84Zw35",
    ],
)
def test_token_shaped_strings_are_redacted(secret):
    value = secret.split()[-1].split("=")[-1].split(":")[-1].strip('"')
    assert value not in redact(f"failed with {secret} today")


def test_ordinary_words_and_emails_survive_redaction():
    text = "User sales1@lab.local may not delete CRM Task 19 (In Progress)"
    assert redact(text) == text


def test_messages_are_bounded():
    assert len(clean_message("x " * 5000)) <= 400


def test_429_is_transient_with_retry_after():
    error = error_for_status(429, {}, site="lab", write=False, retry_after="7")
    assert isinstance(error, Transient) and error.retry_after == 7.0 and not error.permanent


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_transient(status):
    assert isinstance(error_for_status(status, "", site=None, write=True), Transient)


def test_a_500_on_a_read_may_be_retried():
    assert not error_of("031").permanent


def test_a_500_on_a_write_is_never_retried():
    assert error_of("023", write=True).permanent


def test_an_html_500_page_gives_its_title(site, client):
    site.expect_request(
        "GET",
        "/api/method/crm.api.mobile_api.home_tasks",
        query={"limit": "5"},
        answer=answer(500, "<html><title>Internal Server Error</title></html>",
                      {"content-type": "text/html"}),
    )  # fmt: skip
    with pytest.raises(ServerError, match="Internal Server Error"):
        client.home_tasks()


def test_a_200_that_is_not_json_is_transient(site, client):
    site.expect_request(
        "GET",
        "/api/method/crm.api.mobile_api.home_tasks",
        query={"limit": "5"},
        answer=answer(200, "<html><title>Login</title></html>", {"content-type": "text/html"}),
    )
    with pytest.raises(UnexpectedAnswer) as failed:
        client.home_tasks()
    assert not failed.value.permanent


def test_a_200_without_the_envelope_is_unexpected(site, client):
    site.expect_request("GET", "/api/method/frappe.auth.get_logged_user", answer=answer(200, {}))
    with pytest.raises(UnexpectedAnswer):
        client.logged_user()


class Failing(requests.adapters.BaseAdapter):
    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def send(self, request, **kwargs):
        raise self.exc

    def close(self):
        pass


@pytest.mark.parametrize(
    ("exc", "kind", "permanent"),
    [
        (requests.exceptions.ConnectTimeout("x"), Transient, False),
        (requests.exceptions.ReadTimeout("x"), Transient, False),
        (requests.exceptions.ConnectionError("x"), Transient, False),
        (requests.exceptions.SSLError("x"), SiteError, True),
    ],
)
def test_transport_failures(exc, kind, permanent):
    from portal.sites.backends.frappe import AddressPolicy, ApiKeyAuth, FrappeClient, Http

    from .recordings import loopback_resolver

    http = Http(policy=AddressPolicy(allow_loopback=True, allow_insecure_http=True),
                adapter=Failing(exc), resolve=loopback_resolver)  # fmt: skip
    client = FrappeClient("http://127.0.0.1:8000", ApiKeyAuth("k", "s"), time_zone="UTC", http=http)
    with pytest.raises(kind) as failed:
        client.logged_user()
    assert failed.value.permanent is permanent and "http" not in failed.value.message.lower()
