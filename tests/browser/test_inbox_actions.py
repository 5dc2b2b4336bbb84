"""Create, edit, reassign, complete and delete through the pages, each checked at the stand-in;
a stale edit refused with the fresh values; a bulk action with progress and per-row results."""

import re

import pytest
from playwright.sync_api import expect

from portal.sites.backends.frappe import ApiKeyAuth, FrappeClient
from portal.sites.outgoing import http_from_settings
from tests.browser.conftest import log_in, portal_errors
from tests.browser.test_inbox_buckets import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def inbox_world(portal_site, connect, django_user_model, settings, live_server):
    return make_world(portal_site, connect, django_user_model, settings, live_server)


def insert(standin, name, title, **fields):
    [task_id] = standin.sites[name].control.insert_tasks(
        [{"title": title, "priority": "High", "status": "Todo" if name == "riyadh" else "Open",
          "assignees": [f"sales1@{name}.test"], **fields}]
    )  # fmt: skip
    return task_id


def test_create_edit_reassign_complete_and_delete(
    page,
    live_server,
    inbox_world,
    standin,
    console_errors,
):
    _, sites = inbox_world
    riyadh = sites["riyadh"]
    stored = standin.sites["riyadh"].control
    log_in(page, live_server, "mona", PASSWORD)

    # Create on a chosen site, with that site's own options.
    page.get_by_role("link", name="New task").first.click()
    page.get_by_label("On which site?").select_option(label="Riyadh")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Title").fill("Show the villa in Hittin")
    page.get_by_label("Task type").select_option("property showing")
    page.get_by_label("Priority").select_option("High")
    page.get_by_label("Starts").fill("2031-05-04T10:30")
    page.get_by_role("button", name="Create on Riyadh").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{riyadh.pk}/\d+/$"))
    task_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    row = stored.task(task_id)
    assert row["title"] == "Show the villa in Hittin" and row["task_type"] == "property showing"
    assert row["start_date"].startswith("2031-05-04 10:30")

    # Edit: only the title changes.
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Title").fill("Show the villa in Hittin (family of five)")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}/tasks/{riyadh.pk}/{task_id}/")
    expect(page.get_by_text("Show the villa in Hittin (family of five)").first).to_be_visible()
    assert stored.task(task_id)["title"] == "Show the villa in Hittin (family of five)"

    # Reassign to someone typed, then pick from the people the portal knows.
    page.get_by_label("Or type site user ids").fill("sales2@riyadh.test")
    page.get_by_role("button", name="Save assignment").click()
    expect(page.get_by_text("Assignment saved on Riyadh.")).to_be_visible()
    assert stored.task(task_id)["assignees"] == ["sales2@riyadh.test"]
    page.get_by_label("Assigned to").select_option(["sales1@riyadh.test"])
    page.get_by_role("button", name="Save assignment").click()
    expect(page.get_by_text("Assignment saved on Riyadh.")).to_be_visible()
    assert stored.task(task_id)["assignees"] == ["sales1@riyadh.test"]

    # Complete from a row: only the row changes, then the counts refresh themselves.
    page.goto(f"{live_server.url}/tasks/?q=family+of+five")
    row = page.locator(f"#task-{riyadh.pk}-{task_id}")
    page.locator("html").evaluate("html => { html.dataset.kept = 'yes'; }")  # gone on a reload
    row.get_by_role("button", name="Done").click()
    expect(row).to_have_class("finished")
    expect(row.get_by_role("button", name="Reopen")).to_be_focused()
    expect(page.locator("html")).to_have_attribute("data-kept", "yes")
    assert stored.task(task_id)["status"] == "Done"

    # Delete from a row: the browser asks, naming the task and the site.
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    row.get_by_role("link", name="Delete").click()
    expect(row).to_have_class("gone")
    expect(row.locator('td[tabindex="-1"]')).to_be_focused()
    assert "Show the villa in Hittin (family of five)" in asked[0] and "Riyadh" in asked[0]
    assert stored.task(task_id) is None
    assert portal_errors(console_errors, live_server) == []


def test_a_stale_edit_is_refused_with_the_fresh_values(
    page,
    live_server,
    inbox_world,
    standin,
    console_errors,
):
    _, sites = inbox_world
    task_id = insert(standin, "riyadh", "Quote for the Al-Otaibi flat")
    log_in(page, live_server, "mona", PASSWORD)
    page.goto(f"{live_server.url}/tasks/{sites['riyadh'].pk}/{task_id}/edit/")
    FrappeClient(
        standin.sites["riyadh"].url,
        ApiKeyAuth("manager1keyriyadh", "manager1secretriyadh"),
        time_zone="Asia/Riyadh",
        http=http_from_settings(),
    ).edit_task(task_id, title="Quote sent by the manager")
    page.get_by_label("Title").fill("Quote for the Al-Otaibi flat, 3 rooms")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#conflict")).to_contain_text("Quote sent by the manager")
    expect(page.get_by_label("Title")).to_have_value("Quote for the Al-Otaibi flat, 3 rooms")
    expect(page.locator("#form-errors")).to_be_focused()
    assert standin.sites["riyadh"].control.task(task_id)["title"] == "Quote sent by the manager"
    assert portal_errors(console_errors, live_server) == []


@pytest.fixture
def bulk_worker(settings, tmp_path, transactional_db):
    """A real Celery worker on a queue of this test's own, where the page sends bulk jobs."""
    import uuid

    from tests.integration.conftest import start_worker

    queue = f"bulk-{uuid.uuid4().hex[:8]}"
    env = {"INBOX_BULK_QUEUE": queue}  # where the worker puts what is left after a slice
    worker = start_worker(log_path=tmp_path / "worker.log", queue=queue, extra_env=env)
    settings.INBOX_BULK_QUEUE = queue
    yield worker
    worker.stop()


def test_bulk_done_across_two_sites_shows_progress_and_a_result_per_row(
    page,
    live_server,
    inbox_world,
    standin,
    console_errors,
    bulk_worker,
):
    _, sites = inbox_world
    riyadh_id = insert(standin, "riyadh", "Bulk item in Riyadh")
    cairo_id = insert(standin, "cairo", "Bulk item in Cairo")
    log_in(page, live_server, "mona", PASSWORD)
    page.goto(f"{live_server.url}/tasks/?q=Bulk+item")
    apply = page.get_by_role("button", name="Apply")
    expect(page.locator("table.tasks tbody tr")).to_have_count(2)
    expect(apply).to_be_disabled()
    page.get_by_label("Select all on this page").check()
    expect(page.get_by_text("2 selected")).to_be_visible()
    expect(apply).to_be_enabled()
    page.get_by_label("With the selected tasks").select_option("status:done")
    apply.click()
    expect(page.locator("[data-finished]")).to_have_count(1)
    expect(page.locator("#progress tbody tr")).to_have_count(2)
    expect(page.locator('#progress tbody tr[data-state="ok"]')).to_have_count(2)
    assert standin.sites["riyadh"].control.task(riyadh_id)["status"] == "Done"
    assert standin.sites["cairo"].control.task(cairo_id)["status"] == "Completed"
    assert portal_errors(console_errors, live_server) == []
