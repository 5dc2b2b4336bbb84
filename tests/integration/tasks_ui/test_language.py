"""The task pages in Arabic: right to left, Western digits, site text bidi-isolated (the language
itself comes from the profile at login: portal/sites/views/login.py)."""

import pytest

from portal.sites.models import Profile

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_profile_language_applies_at_login(client, member, three_sites):
    Profile.objects.filter(user=member).update(language="ar")
    response = client.post("/accounts/login/", {"username": "mona", "password": "Mona-Pass-2026!"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "ar"
    html = client.get("/?scope=all&bucket=upcoming").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    count = html.split('data-bucket="upcoming"')[1].split('class="count">')[1].split("<")[0]
    assert count and all("0" <= ch <= "9" or ch == "," for ch in count)  # Western digits
    assert "<bdi>" in html
