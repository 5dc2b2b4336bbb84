"""Naming people to a Django-CRM site: it takes profile ids [063, 064], and a USER's own list
names only the organisation's admins [114, 122]."""

from __future__ import annotations

import pytest

from portal.sites.backends.errors import InputRefused

from .recordings import RecordedSite, body_of
from .test_backend import LIST, USER_A, USER_A_PROFILE, backend

ADMIN_A = "admin.a@lab.local"


def _user_list(*, with_rows: bool) -> dict:
    listed = body_of("114")  # what user A's credential lists: only admins in `users`
    return listed if with_rows else {**listed, "tasks": []}


def test_a_user_is_named_through_the_assignees_of_rows_their_list_shows():
    site = RecordedSite().expect("114", query={**LIST, "limit": "1"}, answer=_user_list(
        with_rows=True))  # fmt: skip
    person = backend(site)
    assert person.client.profile_ids([USER_A, ADMIN_A])[0] == USER_A_PROFILE
    site.done()


def test_people_a_users_list_does_not_name_come_from_the_service_credential():
    site = RecordedSite().expect("114", query={**LIST, "limit": "1"}, answer=_user_list(
        with_rows=False))  # fmt: skip
    service_site = RecordedSite().expect("054", query={**LIST, "limit": "1"})
    person = backend(site)
    opened = []

    def service():
        opened.append(True)
        return backend(service_site)

    person.people_from(service)
    assert person.client.profile_ids([ADMIN_A]) and not opened  # known: nothing else opened
    assert person.client.profile_ids([USER_A]) == [USER_A_PROFILE]
    site.done()
    service_site.done()


def test_without_a_working_service_credential_the_person_hears_whom_the_site_does_not_know():
    site = RecordedSite().expect("114", query={**LIST, "limit": "1"}, answer=_user_list(
        with_rows=False))  # fmt: skip
    person = backend(site)

    person.people_from(lambda: None)  # no service credential, or it needs reconnecting
    with pytest.raises(InputRefused, match="Not a user of this organisation: user.a@lab.local"):
        person.client.profile_ids([USER_A])
