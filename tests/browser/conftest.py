"""Playwright on Debian's Chromium (Playwright cannot download its own browser here), against
pytest-django's live server. See ../shared/NOTES.md for why each flag is there."""

import os
import shutil

import pytest

# pytest-django's live_server with Playwright's sync API runs in an event loop thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

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
    page.wait_for_url(f"{live_server.url}/")
