"""A person's own reminder settings: address, time zone and opting out, and what the planner
does with them."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from portal.notifications.models import Delivery, OptOut
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.sites.models import AuditEntry, Connection, Profile
from tests.integration.notifications.conftest import T0, make_rule

SALES2 = "sales2@riyadh.test"
URL = "/notifications/me/"


@pytest.fixture
def sara(sites):
    user = User.objects.create_user("sara", email="sara@portal.test", password="x-Long-Pass-1")
    Profile.objects.create(user=user, language="ar", time_zone="Asia/Riyadh")
    Connection.objects.create(user=user, site=sites["riyadh"], site_user_id=SALES2)
    return user


def settings_form(**changes):
    data = {"time_zone": "Asia/Riyadh", "wanted": "on"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def log_in_as_sara(client):
    """Through the login page: that is where her profile's language (Arabic) is applied."""
    response = client.post("/accounts/login/", {"username": "sara", "password": "x-Long-Pass-1"})
    assert response.status_code == 302


def scan():
    return scan_run_inline(run=scan_run_start(trigger="test"))


def test_the_page_lists_her_site_accounts_in_her_language(client, sara):
    log_in_as_sara(client)
    page = client.get(URL).content.decode()
    assert "تذكيراتي" in page and f"<bdi>{SALES2}</bdi>" in page
    assert 'name="wanted"' in page and "checked" in page


def test_opting_out_stops_her_reminders_and_opting_in_brings_them_back(
    client, sara, tasks, sites, email_channel
):
    make_rule()
    tasks.add("riyadh", title="late call", due=T0 - timedelta(days=1), assignees=[SALES2])
    client.force_login(sara)
    assert client.post(URL, settings_form(wanted=None)).status_code == 302
    assert OptOut.objects.get().address == "sara@portal.test"
    assert AuditEntry.objects.filter(action="reminder_settings").count() == 1
    scan()
    assert not Delivery.objects.exists()
    assert client.post(URL, settings_form()).status_code == 302
    assert not OptOut.objects.exists()
    scan()
    assert Delivery.objects.get().recipient == "sara@portal.test"


def test_her_time_zone_is_used_for_her_reminders_and_her_address_is_not_hers_to_change(
    client, sara, tasks, sites, email_channel
):
    make_rule()
    tasks.add("riyadh", title="late call", due=T0 - timedelta(days=1), assignees=[SALES2])
    client.force_login(sara)
    # An address anyone could type would let them stop someone else's reminders.
    changed = settings_form(email="boss@portal.test", time_zone="Europe/Berlin", wanted=None)
    assert client.post(URL, changed).status_code == 302
    sara.refresh_from_db()
    assert sara.email == "sara@portal.test"
    assert list(OptOut.objects.values_list("address", flat=True)) == ["sara@portal.test"]
    client.post(URL, settings_form(time_zone="Europe/Berlin"))
    scan()
    delivery = Delivery.objects.get()
    assert (delivery.recipient, delivery.time_zone) == ("sara@portal.test", "Europe/Berlin")


def test_bad_input_is_refused_with_a_message_and_nothing_changes(client, sara):
    client.force_login(sara)
    response = client.post(URL, settings_form(time_zone="Mars/Olympus", wanted=None))
    assert response.status_code == 200
    assert "Mars/Olympus" in response.content.decode()  # the input is kept, next to the message
    assert Profile.objects.get(user=sara).time_zone == "Asia/Riyadh"
    assert not OptOut.objects.exists()


def test_without_an_address_the_page_says_who_can_add_one(client, sara):
    User.objects.filter(pk=sara.pk).update(email="")
    client.force_login(sara)
    page = client.get(URL).content.decode()
    assert "ask an admin to add one" in page
    assert client.post(URL, settings_form(wanted=None)).status_code == 302
    assert not OptOut.objects.exists()


def test_an_admins_opt_out_is_shown_and_kept_until_she_turns_reminders_on(client, sara):
    OptOut.objects.create(address="sara@portal.test", source="admin", created_at=T0)
    log_in_as_sara(client)
    page = client.get(URL).content.decode()
    assert "لا تصلك أي تذكيرات الآن" in page
    client.post(URL, settings_form(wanted=None))
    assert OptOut.objects.get().source == "admin"
