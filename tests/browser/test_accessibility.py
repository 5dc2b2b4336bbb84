"""An automated accessibility check (axe-core, served to the page by the test from
tests/browser/vendor/axe.min.js) on every page, in English and in Arabic: no serious or
critical violation. The summary (page, violations by impact, rule ids) is printed and written
to var/test/accessibility-<lang>.txt for people to read; minor and moderate findings are
reported there, not failed on."""

from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.sites.models import Profile
from tests.browser.conftest import log_in, switch_language
from tests.browser.look_world import (
    ANONYMOUS_PAGES,
    ARTEFACTS,
    MEMBER_PAGES,
    MEMBER_PASSWORD,
    PASSWORD,
    make_look_world,
    pages,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
FAILING = {"serious", "critical"}
# WCAG 2.1 A and AA, and axe's best practices.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                          "best-practice"]},
    "resultTypes": ["violations"],
}  # fmt: skip


@pytest.fixture
def browser_context_args(browser_context_args):
    # The portal's Content-Security-Policy refuses inline scripts, which is how Playwright
    # injects axe; the portal's own scripts still load from its files.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def look_world(portal_site, connect, django_user_model, settings, live_server, standin):
    return make_look_world(portal_site, connect, django_user_model, settings, live_server, standin)


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    page.wait_for_function("() => typeof window.axe !== 'undefined'")
    result = page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)
    return [
        {
            "id": v["id"],
            "impact": v["impact"] or "minor",
            "help": v["help"],
            "targets": [" ".join(map(str, node["target"])) for node in v["nodes"][:3]],
        }
        for v in result["violations"]
    ]


class Report:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.lines: list[str] = []
        self.failing: dict[str, list[str]] = {}

    def check(self, page, name: str) -> None:
        expect(page.locator("main#main")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", self.lang)
        found = axe_violations(page)
        by_impact = Counter(v["impact"] for v in found)
        counts = ", ".join(f"{impact} {n}" for impact, n in sorted(by_impact.items())) or "none"
        self.lines.append(f"{self.lang} {name:<20} {counts}")
        for v in found:
            where = "; ".join(v["targets"])
            self.lines.append(f"    {v['impact']:<8} {v['id']}: {v['help']} ({where})")
        bad = [f"{v['id']} {v['targets']}" for v in found if v["impact"] in FAILING]
        if bad:
            self.failing[name] = bad

    def write(self) -> Path:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"accessibility-{self.lang}.txt"
        path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        print("\n" + "\n".join(self.lines) + f"\nwritten to {path}")
        return path


def bulk_confirmation(page, live_server, report: Report) -> None:
    """The page that asks before a bulk delete (what a browser without JavaScript gets)."""
    page.goto(f"{live_server.url}/?scope=all&bucket=overdue")
    page.locator("table.tasks tbody input[name=row]").first.check()
    page.locator("#bulk-action").select_option("delete")
    # inbox.js would ask with a dialog instead: take the no-script path to the page.
    page.locator("#bulk-form").evaluate("form => form.removeAttribute('data-bulk-form')")
    page.locator("#bulk-form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/tasks/bulk/")
    report.check(page, "bulk-confirm")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_no_page_has_a_serious_or_critical_accessibility_violation(
    page, live_server, look_world, lang
):
    report = Report(lang)
    log_in(page, live_server, "ada", PASSWORD)
    if lang == "ar":
        switch_language(page, "العربية", "ar")
    for name, path in pages(look_world):
        page.goto(f"{live_server.url}{path}")
        report.check(page, name)
    bulk_confirmation(page, live_server, report)
    page.get_by_role("button", name="Log out" if lang == "en" else "تسجيل الخروج").click()
    for name, path in ANONYMOUS_PAGES:
        page.goto(f"{live_server.url}{path}")
        report.check(page, name)
    Profile.objects.filter(user=look_world.member).update(language=lang)  # applied at login
    log_in_as_member(page, live_server, lang)
    for name, path in MEMBER_PAGES:
        page.goto(f"{live_server.url}{path}")
        report.check(page, name)
    report.write()
    assert report.failing == {}


def log_in_as_member(page, live_server, lang: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("omar")
    page.locator("#id_password").fill(MEMBER_PASSWORD)
    page.locator("button[type=submit].primary").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
