"""A person logs in, switches to Arabic and gets a right-to-left page, without script errors."""

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_then_arabic_renders_right_to_left(
    page, live_server, django_user_model, console_errors
):
    django_user_model.objects.create_user("mona", password="Mona-Pass-2026!")
    log_in(page, live_server, "mona", "Mona-Pass-2026!")
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "ltr"
    page.get_by_role("button", name="العربية").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    assert console_errors == []
