"""The header's bell follows new notifications by itself (htmx polls its count every 15 s), and
marking one read on the list updates the bell at once; in English and Arabic, without script
errors or CSP violations."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from portal.notifications.models import Notification
from tests.browser.conftest import log_in, portal_errors, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
POLL = 25_000  # the bell asks every 15 s


def test_the_bell_counts_new_notifications_by_itself_and_mark_read_updates_it(
    page, live_server, django_user_model, console_errors
):
    mona = django_user_model.objects.create_user(
        "mona", email="mona@portal.test", password="Mona-Pass-2026!"
    )
    log_in(page, live_server, "mona", "Mona-Pass-2026!")
    bell = page.locator("#bell .bell-count")
    expect(bell).to_have_text("0")

    Notification.objects.create(
        user=mona, key="k1", kind="overdue", title="Overdue: Call back the buyer",
        body="- Call back the buyer (Riyadh)", link="/", created_at=datetime.now(UTC),
    )  # fmt: skip
    expect(bell).to_have_text("1", timeout=POLL)

    page.locator("#bell").click()
    expect(page).to_have_url(f"{live_server.url}/notifications/centre/")
    item = page.locator(".notification.unread")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Call back the buyer")
    item.get_by_role("button", name="Mark read").click()
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(bell).to_have_text("0")

    switch_language(page, "العربية", "ar")
    expect(page.locator("#bell")).to_have_attribute("aria-label", "الإشعارات: 0 غير مقروءة")
    expect(page.get_by_role("heading", name="الإشعارات")).to_be_visible()
    assert portal_errors(console_errors, live_server) == []
