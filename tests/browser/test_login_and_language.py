"""A person logs in, switches to Arabic and gets a right-to-left page, without script errors."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_then_arabic_renders_right_to_left(
    page, live_server, django_user_model, console_errors
):
    django_user_model.objects.create_user("mona", password="Mona-Pass-2026!")
    log_in(page, live_server, "mona", "Mona-Pass-2026!")
    expect(page.locator("html")).to_have_css("direction", "ltr")
    switch_language(page, "العربية", "ar")
    expect(page.locator("body")).to_have_css("direction", "rtl")
    switch_language(page, "English", "en")
    expect(page.locator("body")).to_have_css("direction", "ltr")
    assert console_errors == []
