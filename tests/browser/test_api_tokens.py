"""A person makes an API token on their page, sees it once, uses it, and reads the API's
reference page, served from the project under the portal's Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, portal_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_token_is_made_shown_once_used_and_the_reference_page_loads(
    page, live_server, django_user_model, console_errors
):
    django_user_model.objects.create_user("mona", password="Mona-Pass-2026!")
    log_in(page, live_server, "mona", "Mona-Pass-2026!")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    page.get_by_label("Name").fill("weekly export")
    page.get_by_label("read", exact=True).check()
    page.get_by_role("button", name="Make the token").click()
    shown = page.get_by_label("Token", exact=True)
    expect(shown).to_have_value(re.compile(r"^ptk_[0-9a-f]{8}_[A-Za-z0-9_-]{40,}$"))
    secret = shown.input_value()
    answer = page.request.get(
        f"{live_server.url}/api/v1/sites/", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status == 200 and answer.json() == []

    page.goto(f"{live_server.url}/api/tokens/")
    expect(page.get_by_role("row").filter(has_text="weekly export")).to_contain_text(
        secret.split("_")[0] + "_" + secret.split("_")[1]
    )
    expect(page.get_by_label("Token", exact=True)).to_have_count(0)  # shown only once

    page.get_by_role("link", name="API reference").click()
    expect(page.get_by_role("heading", name=re.compile("CRM task portal API"))).to_be_visible()
    expect(page.get_by_text("/api/v1/tasks/{site_id}/{task_id}/status/")).to_be_visible()
    assert portal_errors(console_errors, live_server) == []
