"""The health badge follows the latest evidence (a success after an outage clears it at once,
a newer error brings it back), and the site page's heading follows the doctor's worst check."""

from datetime import UTC, datetime, timedelta

import pytest

from portal import clock
from portal.sites.models import ServiceCredential, SiteGrant
from portal.sites.services import clients
from portal.sites.services.health import site_health, site_health_refresh
from portal.sites.services.registry import site_doctor

pytestmark = pytest.mark.django_db


@pytest.fixture
def at(settings, tmp_path):
    """at(minutes): the portal's clock that many minutes after the test began."""
    path = tmp_path / "clock.json"
    settings.PORTAL_CLOCK_FILE = str(path)
    start = datetime.now(UTC).replace(microsecond=0)

    def move(minutes: float) -> datetime:
        when = start + timedelta(minutes=minutes)
        clock.set_clock(path, frozen=when)
        return when

    move(0)
    return move


@pytest.fixture
def riyadh(at, portal_site):
    return portal_site("riyadh", time_zone="Asia/Riyadh")


def health_of(site):
    site.refresh_from_db()
    return site_health(site=site)


def level(site) -> str:
    return health_of(site).level


def test_a_call_that_succeeds_after_an_outage_clears_the_failing_badge_at_once(
    riyadh, standin, at, client, member
):
    SiteGrant.objects.create(site=riyadh, user=member)
    handle = standin.sites["riyadh"]
    site_health_refresh(site=riyadh)
    assert level(riyadh) == "ok"
    at(5)
    handle.control.set_faults([{"kind": "refuse"}])
    site_health_refresh(site=riyadh)  # the periodic check, during the outage
    assert level(riyadh) == "error"
    handle.control.clear_faults()
    at(7)
    clients.site_succeeded(riyadh)  # an inbox read, two minutes later
    health = health_of(riyadh)
    assert (health.level, health.reachable, health.last_error) == ("ok", True, "")

    client.force_login(member)
    page = client.get("/sites/").content.decode()
    assert "healthy" in page and "failing" not in page and "Last error" not in page


def test_an_error_newer_than_the_last_success_decides_until_a_newer_success(riyadh, at):
    at(1)
    clients.site_succeeded(riyadh)
    at(2)
    clients.site_failed(riyadh, Exception("The site answered 502."))
    health = health_of(riyadh)
    assert (health.level, health.last_error) == ("error", "The site answered 502.")
    at(3)
    clients.site_succeeded(riyadh)
    assert level(riyadh) == "ok"


def test_an_outage_says_nothing_about_the_service_credential(riyadh, standin, at):
    site_health_refresh(site=riyadh)  # checked and accepted
    at(5)
    standin.sites["riyadh"].control.set_faults([{"kind": "refuse"}])
    site_health_refresh(site=riyadh)
    credential = ServiceCredential.objects.get(site=riyadh)
    assert credential.last_error == ""  # not checked: the site could not be asked
    assert health_of(riyadh).credential_ok is True


def test_a_refused_service_credential_stays_failing_beside_newer_successful_calls(riyadh, at):
    ServiceCredential.objects.filter(site=riyadh).update(api_secret="wrong")
    site_health_refresh(site=riyadh)
    at(2)
    clients.site_succeeded(riyadh)  # a person's own connection still works
    health = health_of(riyadh)
    assert (health.level, health.credential_ok) == ("error", False)


def test_an_unknown_time_zone_is_a_problem_and_the_heading_says_so(
    at, portal_site, client, admin_user
):
    site = portal_site("riyadh")  # sales1 may not read System Settings: the zone is unknown
    assert not site.time_zone
    client.force_login(admin_user)
    page = client.get(f"/sites/{site.pk}/").content.decode()
    heading = page[page.index("<h1>") : page.index("</h1>")]
    assert "needs attention" in heading and "Time zone" in heading and "healthy" not in heading
    zone_check = page[page.index('data-check="time_zone"') :]
    assert zone_check[: zone_check.index("</li>")].count("problem") == 1

    site.time_zone = "Asia/Riyadh"
    site.save()
    site_doctor(site=site)
    page = client.get(f"/sites/{site.pk}/").content.decode()
    assert "healthy" in page[page.index("<h1>") : page.index("</h1>")]


def test_a_doctor_run_during_an_outage_does_not_report_a_missing_task_api(riyadh, standin, at):
    standin.sites["riyadh"].control.set_faults([{"kind": "refuse"}])
    site_doctor(site=riyadh)
    riyadh.refresh_from_db()
    checks = {c["key"]: c["ok"] for c in riyadh.capabilities["checks"]}
    assert checks["reachable"] is False and checks["credential"] is None
    assert "flavour" not in checks and "time_zone" not in checks  # not checked, not "missing"
    standin.sites["riyadh"].control.clear_faults()
    at(1)
    clients.site_succeeded(riyadh)
    assert level(riyadh) == "ok"
