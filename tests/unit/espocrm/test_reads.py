"""Lists and single reads: paging by offset with ``total``, errors in ``X-Status-Reason``."""

from __future__ import annotations

import pytest

from portal.sites.backends.errors import (
    NoPermission,
    NotFound,
    ServerError,
    SiteError,
    ValidationFailed,
)
from portal.sites.backends.espocrm import client as client_module

from .conftest import open_backend
from .recordings import ANY, body_of, load

SHOWN = [
    ("orderBy", "dateEnd"),
    ("order", "asc"),
    ("select", "name,status,priority,dateEnd,assignedUserId"),
]


def test_paging_follows_offset_until_total(site, monkeypatch):
    monkeypatch.setattr(client_module, "PAGE", 3)
    site.expect("073", query={**dict(SHOWN), "maxSize": "3"})  # no offset=0 sent
    last = {**body_of("074"), "total": 6}  # the site's total says this page is the last
    site.expect("074", answer=last)
    found = open_backend(site).client.tasks(extra=SHOWN)
    assert len(found) == 6 and len({t.id for t in found}) == 6


def test_a_short_page_ends_the_read_even_without_a_total(site):
    site.expect("103", query={"maxSize": "200", "select": "name"})  # total -1 [103]
    assert len(open_backend(site).client.tasks(extra=[("select", "name")])) == 2


def test_more_than_200_rows_are_never_asked_for(site):
    assert (
        body_of("077") == ""
        and "should not exceed 200" in (load("077")["response"]["headers"]["X-Status-Reason"])
    )
    site.expect("078", query={"maxSize": "200", "select": "name"})
    open_backend(site).client.page(size=5000, extra=[("select", "name")])


def test_a_count_asks_for_no_rows(site):
    site.expect("164")
    assert open_backend(site).client.count() == 16


def test_a_missing_task_is_not_found_in_the_sites_words(site):
    site.expect("107")
    with pytest.raises(NotFound, match="doesnotexist000 does not exist"):
        open_backend(site).get("doesnotexist000")


def test_another_persons_task_is_no_permission(site):
    site.expect("125")
    with pytest.raises(NoPermission, match="No 'read' access"):
        open_backend(site).get("6b0fc56cf1d9e8b17")


def test_a_bad_filter_is_a_validation_failure_told_by_the_reason_header(site):
    site.expect("098", query=ANY)
    with pytest.raises(ValidationFailed, match="Not existing attribute 'nope'"):
        open_backend(site).client.page([{"type": "equals", "attribute": "nope", "value": "x"}])


def test_an_html_error_page_is_an_error_without_its_markup(site):
    site.expect("123", body={"name": "POST to id"})
    with pytest.raises(SiteError) as raised:
        open_backend(site).client.call(
            "POST", "/Task/6b0fc56cbe83ca1be", body={"name": "POST to id"}
        )
    assert "<" not in raised.value.message and raised.value.status == 405


def test_a_500_on_a_write_is_never_retried(site):
    site.expect("059", body=ANY)
    with pytest.raises(ServerError) as raised:
        open_backend(site).client.create({"name": "x", "assignedUserId": "6b0fc51df397cf004"})
    assert raised.value.permanent


def test_an_id_that_would_reach_another_route_is_not_sent(site):
    with pytest.raises(NotFound):
        open_backend(site).get("x/y/z")  # an HTML 404 on the site [144]
