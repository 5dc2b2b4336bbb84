"""Pages read in Arabic, right to left."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_sites_page_speaks_arabic(client, django_user_model):
    user = django_user_model.objects.create_user("layla")
    client.force_login(user)
    client.cookies["django_language"] = "ar"
    body = client.get("/sites/").content.decode()
    assert 'dir="rtl"' in body
    assert "المواقع" in body and "تسجيل الخروج" in body
    assert "Log out" not in body
