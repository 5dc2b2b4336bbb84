"""No token or secret that a site issued appears in a dump of the database or in the logs."""

import io
import logging

import pytest
from django.core.management import call_command
from django.db import connection as db

from portal.sites.models import Connection, ServiceCredential, Site, SiteGrant
from tests.integration.sites.oauth_helpers import authorize_at_site, portal_path

pytestmark = pytest.mark.django_db


def raw_dump() -> str:
    lines = []
    with db.cursor() as cursor:
        for table in db.introspection.table_names():
            cursor.execute(f"SELECT * FROM {db.ops.quote_name(table)}")  # noqa: S608
            lines.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(lines)


def test_issued_tokens_and_secrets_stay_out_of_dumps_and_logs(client, member, portal_site, caplog):
    caplog.set_level(logging.DEBUG)  # everything our logging configuration lets through
    site = portal_site("riyadh")
    site.webhook_secret = "whsec-Zr81kq0PqLl"
    site.save()
    SiteGrant.objects.get_or_create(site=site, user=member)
    client.force_login(member)
    auth_url = client.get(f"/sites/{site.pk}/connect/")["Location"]
    back = authorize_at_site(auth_url, user="sales1@riyadh.test")
    code = back.split("code=", 1)[1].split("&", 1)[0]
    assert client.get(portal_path(back)).status_code == 302
    token = Connection.objects.get(user=member).token
    credential = ServiceCredential.objects.get(site=site)
    secrets = {
        "access token": token["access_token"],
        "refresh token": token["refresh_token"],
        "api secret": credential.api_secret,
        "webhook secret": site.webhook_secret,
        "authorization code": code,
    }
    dumped = io.StringIO()
    call_command("dumpdata", stdout=dumped)
    places = {"dumpdata": dumped.getvalue(), "raw tables": raw_dump(), "logs": caplog.text}
    assert len(caplog.records) > 0  # the flow did log; it just logged no secrets
    for place, text in places.items():
        for name, value in secrets.items():
            if name == "authorization code" and place != "logs":
                continue  # codes are single-use and never stored; only the logs matter
            assert value not in text, f"{name} found in {place}"
    assert Site.objects.get(pk=site.pk).webhook_secret == "whsec-Zr81kq0PqLl"  # readable
