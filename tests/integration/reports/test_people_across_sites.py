"""One row per person in the report, whichever sites they hold tasks on: matched by their portal
account (a connection, or the site user's email being the account's), else by email ignoring
case; tasks nobody holds are one "unassigned" row; a site user with neither stays its site's."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest

from portal.reports.models import AssigneeFigures, Completion, Snapshot
from portal.reports.services.figures import Filters, report_build
from portal.sites.models import Connection, Profile, Site, SiteGrant, SiteUser

pytestmark = pytest.mark.django_db
TAKEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PERIOD = "since=2026-11-17&until=2026-11-23"


def site_with(name: str, people: list[tuple[str, str, int, int]]) -> Site:
    site = Site.objects.create(name=name, base_url=f"http://{name.lower()}.test/", client_id="c",
                               time_zone="UTC")  # fmt: skip
    snapshot = Snapshot.objects.create(
        site=site, taken_at=TAKEN, day=TAKEN.date(), trigger="scheduled",
        open_total=sum(p[2] for p in people), overdue_total=sum(p[3] for p in people),
    )  # fmt: skip
    for user_id, name_, open_, overdue in people:
        AssigneeFigures.objects.create(snapshot=snapshot, site_user_id=user_id, name=name_,
                                       open=open_, overdue=overdue)  # fmt: skip
    return site


@pytest.fixture
def two_sites(django_user_model):
    riyadh = site_with("Riyadh", [
        ("sales1@riyadh.test", "Sara S.", 3, 2), ("", "", 2, 1), ("Administrator", "", 1, 0),
        ("Mona@Partner.test", "Mona", 1, 1), ("omar@portal.test", "", 1, 0),
    ])  # fmt: skip
    cairo = site_with("Cairo", [
        ("64ab01", "Sara", 2, 1), ("", "", 1, 1), ("Administrator", "", 1, 0),
        ("mona@partner.test", "", 2, 0), ("64ab02", "Omar", 1, 1),
    ])  # fmt: skip
    sara = django_user_model.objects.create_user("sara", email="sara@portal.test",
                                                 first_name="Sara", last_name="Saleh")  # fmt: skip
    Connection.objects.create(user=sara, site=riyadh, site_user_id="sales1@riyadh.test")
    Connection.objects.create(user=sara, site=cairo, site_user_id="64ab01")
    django_user_model.objects.create_user("omar", email="Omar@Portal.test")
    SiteUser.objects.create(site=cairo, user_id="64ab02", email="OMAR@portal.test")
    for site, task, who in ((riyadh, "7", ["sales1@riyadh.test"]), (cairo, "c1", ["64ab01"]),
                            (cairo, "c2", [])):  # fmt: skip
        Completion.objects.create(site=site, task_id=task, portal_status="done",
                                  finished_at=TAKEN, assignees=who, source="poll")  # fmt: skip
    return riyadh, cairo


def test_a_person_with_accounts_on_several_sites_is_one_row_with_the_sums(two_sites):
    riyadh, cairo = two_sites
    report = report_build(Filters(sites=[riyadh, cairo], since=date(2026, 11, 17),
                                  until=date(2026, 11, 23)))  # fmt: skip
    rows = {p.key: p for p in report.people}
    sara = next(p for p in report.people if p.name == "Sara Saleh")
    assert (sara.open, sara.overdue, sara.done) == (5, 3, 2)
    assert {(a.site.name, a.site_user_id) for a in sara.accounts} == {
        ("Riyadh", "sales1@riyadh.test"), ("Cairo", "64ab01")}  # fmt: skip
    omar = [p for p in report.people if {a.site_user_id for a in p.accounts} & {"64ab02"}]
    assert len(omar) == 1 and (omar[0].open, omar[0].overdue) == (2, 1)
    assert len(omar[0].accounts) == 2  # matched to the portal account by email, any case
    mona = rows["email:mona@partner.test"]  # no portal account: by email, any case
    assert (mona.open, mona.overdue, len(mona.accounts)) == (3, 1, 2)
    unassigned = [p for p in report.people if p.unassigned]
    assert len(unassigned) == 1 and (unassigned[0].open, unassigned[0].overdue) == (3, 2)
    assert unassigned[0].done == 1
    admins = [p for p in report.people if p.site_user_id == "Administrator"]
    assert sorted(a.site.name for a in admins) == ["Cairo", "Riyadh"]  # nothing ties them
    assert len(report.people) == 6
    assert sum(p.open for p in report.people) == report.totals["open"]


def test_the_page_and_the_csv_list_unassigned_and_each_person_once(client, django_user_model,
                                                                    two_sites):  # fmt: skip
    riyadh, cairo = two_sites
    lead = django_user_model.objects.create_user("leila")
    Profile.objects.create(user=lead, role=Profile.Role.LEAD)
    for site in (riyadh, cairo):
        SiteGrant.objects.create(site=site, user=lead)
    client.force_login(lead)
    body = client.get(f"/reports/?{PERIOD}").content.decode()
    people = body.split('id="people-h"')[1].split("</section>")[0]
    assert people.count("<tr>") == 1 + 6  # the header and six people
    assert people.count("unassigned") == 1 and people.count(">Sara Saleh<") == 1
    # Each account of a merged row still drills down to exactly its own tasks.
    links = re.findall(r'<a href="(/tasks/\?[^"]+)">(\d+)</a>', people.replace("&amp;", "&"))
    listed = "/tasks/?site={}&status=open&status=in_progress&assignee={}"
    assert (listed.format(cairo.pk, "64ab01"), "2") in links
    assert (listed.format(riyadh.pk, "none") + "&bucket=overdue", "1") in links

    client.cookies["django_language"] = "ar"
    arabic = (
        client.get(f"/reports/?{PERIOD}")
        .content.decode()
        .split('id="people-h"')[1]
        .split("</section>")[0]
    )
    assert arabic.count("غير مسندة") == 1 and "</a> مفتوحة، <a" in arabic
    client.cookies["django_language"] = "en"
    exported = client.get(f"/reports/export/people.csv?{PERIOD}").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert len(rows) == 1 + 6
    assert [row[1] for row in rows].count("unassigned") == 1
    [sara] = [row for row in rows if row[2] == "Sara Saleh"]
    assert sara[0] == "Cairo, Riyadh" and sara[3:6] == ["5", "3", "2"]
