"""A Django-CRM site never names its organisation's zone: the admin enters it, and the doctor
checks it against the offsets the site's own times carry [139-141]."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import translation

from portal.sites.backends.djangocrm.backend import DjangoCrmBackend
from portal.sites.backends.frappe.backend import FrappeBackend
from portal.sites.backends.types import Capabilities
from portal.sites.models import Site
from portal.sites.services.doctor import _time_zone_check

from .recordings import RecordedSite, body_of


def test_the_recorded_times_of_a_los_angeles_organisation_disprove_utc_and_riyadh():
    listed = body_of("141")  # org B after its zone was set to America/Los_Angeles [139]
    assert listed["tasks"][0]["created_at"].endswith("-08:00")
    from portal.sites.backends.djangocrm.client import zone_contradictions

    assert zone_contradictions(listed, ZoneInfo("America/Los_Angeles")) == set()
    assert {str(o) for o in zone_contradictions(listed, ZoneInfo("UTC"))} == {"-1 day, 16:00:00"}
    assert zone_contradictions(listed, ZoneInfo("Asia/Riyadh"))
    # Times in UTC ("Z") are what a UTC organisation writes [054]: no contradiction there.
    assert zone_contradictions(body_of("054"), ZoneInfo("UTC")) == set()


def test_the_doctor_asks_for_the_zone_in_words_that_fit_the_kind_of_site():
    site = Site(name="Jeddah", base_url="https://crm.example", backend="djangocrm")
    unknown = Capabilities(base_url=site.base_url, reachable=True, credential_valid=True)
    check = _time_zone_check(site, unknown, DjangoCrmBackend.features).shown()
    assert check.ok is False
    assert "never says its organisation's time zone" in check.fix
    assert "System Manager" not in check.fix
    frappe = _time_zone_check(site, unknown, FrappeBackend.features).shown()
    assert frappe.ok is False and "System Manager" in frappe.fix


def test_a_zone_the_sites_times_disprove_fails_the_check_and_says_which_offset():
    site = Site(name="Jeddah", base_url="https://crm.example", backend="djangocrm",
                time_zone="Asia/Riyadh")  # fmt: skip
    found = Capabilities(base_url=site.base_url, reachable=True, credential_valid=True,
                         time_zone="Asia/Riyadh", contradicting_offsets=("UTC−08:00",))  # fmt: skip
    check = _time_zone_check(site, found, DjangoCrmBackend.features)
    shown = check.shown()
    assert shown.ok is False and shown.detail == "Asia/Riyadh"
    assert "UTC−08:00" in shown.fix and "Asia/Riyadh never had" in shown.fix
    agreed = _time_zone_check(site, Capabilities(base_url=site.base_url, time_zone="Asia/Riyadh"),
                              DjangoCrmBackend.features)  # fmt: skip
    assert agreed.ok is True and agreed.detail == "Asia/Riyadh"
    with translation.override("ar"):
        arabic = check.shown()
    assert "UTC−08:00" in arabic.fix and arabic.fix != shown.fix


def _probe(zone: str) -> Capabilities:
    from .test_backend import LIST, backend

    site = RecordedSite().expect("141", query={**LIST, "limit": "10"}).expect("016")
    found = backend(site, zone=zone).probe()
    site.done()
    return found


def test_the_probe_reads_the_sites_times_against_the_zone_entered():
    assert _probe("America/Los_Angeles").contradicting_offsets == ()
    wrong = _probe("Asia/Riyadh")
    assert wrong.contradicting_offsets == ("UTC−08:00",)
    assert wrong.vocabulary.statuses == ("New", "In Progress", "Completed")
