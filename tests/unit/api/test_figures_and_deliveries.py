"""Report figures for leads and the delivery log for admins, as their pages give them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import clock
from portal.notifications.models import Delivery
from portal.reports.models import Snapshot
from portal.sites.models import Profile

pytestmark = pytest.mark.django_db


def promote(user, role):
    Profile.objects.filter(user=user).update(role=role)
    user.refresh_from_db()


def test_a_lead_gets_the_reports_figures_of_granted_sites(api, make_token, member, granted):
    promote(member, Profile.Role.LEAD)
    today = clock.now().date()
    riyadh = granted["Riyadh"]
    Snapshot.objects.create(
        site=riyadh, taken_at=clock.now() - timedelta(hours=1), day=today, trigger="manual",
        open_total=12, overdue_total=5, aging={"1-3": 3, "4-7": 1, "8+": 1},
    )  # fmt: skip
    client = api(make_token(site_ids=[riyadh.pk]).secret)
    response = client.get(f"/api/v1/reports/?since={today - timedelta(days=6)}&until={today}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["totals"]["open"], body["totals"]["overdue"]) == (12, 5)
    assert [row["site_name"] for row in body["sites"]] == ["Riyadh"]
    assert body["sites"][0]["aging"] == {"1-3": 3, "4-7": 1, "8+": 1}
    assert len(body["trend"]) == 7 and body["trend"][-1] == {"day": str(today), "overdue": 5}
    wrong = client.get(f"/api/v1/reports/?since={today}&until={today - timedelta(days=1)}")
    assert wrong.status_code == 400 and "until" in wrong.json()["errors"]


def delivery(site, status, minutes_ago):
    now = clock.now() - timedelta(minutes=minutes_ago)
    return Delivery.objects.create(
        key=f"k-{site.pk if site else 0}-{minutes_ago}", channel_kind="email",
        recipient="mona@example.com", shape="digest", site=site, status=status,
        send_after=now, created_at=now,
    )  # fmt: skip


def test_an_admin_pages_through_deliveries_newest_first(api, make_token, member, granted,
                                                        monkeypatch):  # fmt: skip
    from portal.api.views import deliveries

    promote(member, Profile.Role.ADMIN)
    monkeypatch.setattr(deliveries.NewestFirst, "page_size", 2)
    riyadh, cairo = granted["Riyadh"], granted["Cairo"]
    made = [delivery(riyadh, "sent", n) for n in (6, 5, 4)] + [delivery(cairo, "failed", 2)]
    made.append(delivery(None, "sent", 1))  # a channel's test message: no site
    client = api(make_token().secret)
    first = client.get("/api/v1/deliveries/").json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert third["next"] is None
    seen = [row["id"] for row in first["results"] + second["results"] + third["results"]]
    assert seen == [d.pk for d in reversed(made)]
    assert client.get("/api/v1/deliveries/?status=failed").json()["results"][0]["site_id"] == (
        cairo.pk
    )
    limited = api(make_token(site_ids=[riyadh.pk]).secret).get("/api/v1/deliveries/").json()
    assert {row["site_id"] for row in limited["results"]} == {riyadh.pk}
