"""A Django-CRM site beside Frappe sites on every page that is not the inbox: the filter page,
bulk jobs, the status form with its audit entry, access grants and the team lead's report."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.reports.models import Snapshot
from portal.reports.services.snapshot import snapshot_take
from portal.sites.models import AuditEntry, Profile, SiteGrant
from standin.djangocrm.state import STATUSES

from .bulk_support import insert, post_job, run_here
from .helpers import JEDDAH_ADMIN as ADMIN
from .helpers import JEDDAH_SALES1 as SALES1
from .helpers import row_keys

pytestmark = pytest.mark.django_db(transaction=True)


def states(html: str) -> dict[str, str]:
    """Task id (Frappe numbers and Django-CRM UUIDs) → row state, from the progress page."""
    return dict(re.findall(r'data-task="([\w-]+)" data-state="(\w+)"', html))


def statuses_sent(crm) -> set[str]:
    return {s for r in crm.requests if r["method"] == "GET" for s in r["query"].get("status", [])}


def test_the_filter_page_filters_django_crm_tasks_with_the_sites_own_words(
    client, member, jeddah, settings
):
    crm, site = jeddah
    settings.INBOX_PAGE_SIZE = 500
    today = crm.today
    wanted = crm.insert(title="CALL the landlord", priority="High", assignees=[SALES1],
                        due=today + timedelta(days=2))  # fmt: skip
    crm.insert(title="Call the bank", priority="Low", assignees=[SALES1])
    crm.insert(title="Email the landlord", priority="High", assignees=[SALES1])
    finished = crm.insert(title="Call done", priority="High", status="Completed",
                          assignees=[SALES1])  # fmt: skip
    client.force_login(member)

    html = client.get("/tasks/", {"q": "call", "priority": ["High"], "site": [site.pk]})
    keys = row_keys(html.content.decode())
    assert (site.pk, wanted) in keys and (site.pk, finished) in keys
    assert {k for k in keys if k[0] == site.pk} == {(site.pk, wanted), (site.pk, finished)}
    done = row_keys(client.get("/tasks/", {"status": ["done"], "site": [site.pk]}).content.decode())
    assert done == [(site.pk, finished)]
    # Only values of the site's own list go out: an unknown one would filter nothing [059].
    assert statuses_sent(crm) and statuses_sent(crm) <= set(STATUSES)


def test_a_bulk_job_across_kinds_writes_each_site_and_refuses_cancel_where_there_is_none(
    client, member, jeddah, three_sites, standin
):
    crm, site = jeddah
    riyadh = three_sites["riyadh"]
    ours = [crm.insert(title=f"Bulk {i}", assignees=[SALES1]) for i in range(2)]
    [frappe_task] = insert(standin, "riyadh", 1)
    rows = [f"{site.pk}:{t}" for t in ours] + [f"{riyadh.pk}:{frappe_task}"]
    client.force_login(member)

    location, job = post_job(client, {"action": "status:done", "row": rows, "confirmed": ""})
    run_here(job)
    html = client.get(location).content.decode()
    assert "3 of 3 done" in html
    assert states(html) == {ours[0]: "ok", ours[1]: "ok", str(frappe_task): "ok"}
    assert [crm.tasks[t]["status"] for t in ours] == ["Completed", "Completed"]
    assert standin.sites["riyadh"].control.task(frappe_task)["status"] == "Done"
    assert set(AuditEntry.objects.filter(site=site, action="task_status", ok=True)
               .values_list("task_id", flat=True)) == set(ours)  # fmt: skip

    patches_before = sum(1 for r in crm.requests if r["method"] == "PATCH")
    location, job = post_job(
        client, {"action": "status:cancelled", "row": rows[:1], "confirmed": ""}
    )
    run_here(job)
    html = client.get(location).content.decode()
    assert states(html) == {ours[0]: "failed"}
    assert "Jeddah Ops has no status meaning “Cancelled”." in html
    assert "Jeddah Ops answered" not in html  # refused here: nothing was sent
    assert sum(1 for r in crm.requests if r["method"] == "PATCH") == patches_before
    assert crm.tasks[ours[0]]["status"] == "Completed"


def test_the_status_form_writes_the_site_and_audits_the_uuid(client, member, jeddah):
    crm, site = jeddah
    task = crm.insert(title="Ring the supplier", assignees=[SALES1])
    client.force_login(member)
    response = client.post(f"/tasks/{site.pk}/{task}/status/", {"status": "in_progress"})
    assert response.status_code in (200, 302)
    assert crm.tasks[task]["status"] == "In Progress"
    entry = AuditEntry.objects.get(site=site, task_id=task, action="task_status")
    assert entry.ok and entry.username == member.username
    assert entry.changes["status"] == "in_progress"


def test_without_the_grant_a_django_crm_task_is_not_found_and_untouched(
    client, jeddah, django_user_model
):
    crm, site = jeddah
    task = crm.insert(title="Not for omar", assignees=[SALES1])
    omar = django_user_model.objects.create_user("omar", password="x-Long-Pass-2026")
    Profile.objects.create(user=omar, role=Profile.Role.MEMBER)
    client.force_login(omar)
    assert client.get(f"/tasks/{site.pk}/{task}/").status_code == 404
    assert client.post(f"/tasks/{site.pk}/{task}/status/", {"status": "done"}).status_code == 404
    assert client.post(f"/tasks/{site.pk}/{task}/delete/").status_code == 404
    assert crm.tasks[task]["status"] == "New"
    assert not any(r["method"] != "GET" for r in crm.requests)


def test_the_team_leads_report_counts_a_django_crm_sites_overdue_tasks(
    client, jeddah, django_user_model
):
    crm, site = jeddah
    late = crm.insert(title="Overdue visit", due=crm.today - timedelta(days=3),
                      assignees=[SALES1])  # fmt: skip
    crm.insert(title="Due later", due=crm.today + timedelta(days=3), assignees=[SALES1])
    crm.insert(title="Finished", status="Completed", due=crm.today, created_by=ADMIN)
    snapshot = snapshot_take(site=site)
    assert snapshot.ok, snapshot.error
    assert Snapshot.objects.filter(site=site, ok=True).count() == 1
    lead = django_user_model.objects.create_user("leila", email="leila@example.com")
    Profile.objects.create(user=lead, role=Profile.Role.LEAD)
    SiteGrant.objects.create(site=site, user=lead)
    client.force_login(lead)
    body = client.get("/reports/", {"site": [site.pk]}).content.decode()
    assert "Overdue visit" in body and f"/tasks/{site.pk}/{late}/" in body


def test_a_search_on_a_django_crm_site_matches_titles_which_is_all_its_search_covers(
    client, member, jeddah
):
    crm, site = jeddah
    titled = crm.insert(title="Meet the Ibex team", assignees=[SALES1])
    crm.insert(title="Site visit", description="ibex notes", assignees=[SALES1])
    client.force_login(member)

    html = client.get("/tasks/", {"q": "ibex", "site": [site.pk]}).content.decode()

    assert {k for k in row_keys(html) if k[0] == site.pk} == {(site.pk, titled)}
    searched = [r for r in crm.requests if r["query"].get("search") == ["ibex"]]
    assert searched  # the site's own search narrowed the rows
