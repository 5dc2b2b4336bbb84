"""A person's language follows them: chosen once, remembered on the profile, applied at login."""

import pytest
from django.conf import settings

from portal.sites.models import Profile

pytestmark = pytest.mark.django_db


def test_switching_language_is_remembered_on_the_profile(client, member):
    client.force_login(member)
    response = client.post("/accounts/language/", {"language": "ar", "next": "/sites/"})
    assert response.status_code == 302 and response["Location"] == "/sites/"
    assert Profile.objects.get(user=member).language == "ar"
    page = client.get("/sites/")
    assert b'dir="rtl"' in page.content and b'lang="ar"' in page.content


def test_logging_in_applies_the_profile_language(client, member):
    member.profile.language = "ar"
    member.profile.save()
    response = client.post(
        "/accounts/login/", {"username": "mona", "password": "x-Very-Long-Pass-1"}
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"


def test_an_unknown_language_changes_nothing(client, member):
    client.force_login(member)
    client.post("/accounts/language/", {"language": "xx"})
    assert Profile.objects.get(user=member).language == "en"
