"""Playwright on Debian's Chromium (Playwright cannot download its own browser here), against
pytest-django's live server. See ../shared/NOTES.md for why each flag is there.

Every check of the page is a web-first `expect(...)`: it retries until the page agrees or the
timeout passes, so a swap, a settle or a focus move that lands a few milliseconds late on a busy
machine is waited for instead of read too early."""

import os
import shutil
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

# pytest-django's live_server with Playwright's sync API runs in an event loop thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# A passing check returns as soon as the page agrees; the timeout only bounds a failing one.
# Playwright's 5 s default is short for a bulk job or a fan-out on a busy 2-core machine.
expect.set_options(timeout=15_000)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture
def console_errors(page):
    """Collects script errors and CSP violations; a journey asserts it stays empty."""
    errors = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"{message.location.get('url', '')}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    return errors


def portal_errors(errors: list[str], live_server) -> list[str]:
    """Errors on the portal's own pages (a stand-in site's pages are not ours to judge)."""
    return [error for error in errors if error.startswith(live_server.url)]


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page, live_server):
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def switch_language(page, button: str, lang: str):
    """Clicks a language button and waits for the page it reloads (a full POST and redirect)."""
    page.get_by_role("button", name=button).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


@contextmanager
def replaced(page, selector: str):
    """What runs inside swaps the region `selector` (htmx, outerHTML): waits until the old
    element is gone and its successor is in. htmx pushes the new URL before it swaps, so a
    URL check alone can pass while the old content is still on the page."""
    page.locator(selector).evaluate("region => region.setAttribute('data-before-swap', '')")
    yield
    expect(page.locator(f"{selector}[data-before-swap]")).to_have_count(0)
    expect(page.locator(selector)).to_have_count(1)
