"""Bulk jobs through real processes: Celery workers on this test's queue (Redis with REDIS_URL,
else the embedded broker), a real gunicorn for the web side, and the stand-in's request log as
the proof of what reached a site. The portal clock is a file every process reads."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import requests
from celery import current_app
from django.conf import settings

from portal import clock
from portal.ops.management.commands.runstack import GUNICORN_CONFIG
from portal.sites.models import AuditEntry, Site, SiteGrant
from portal.tasks_ui.models import BulkJob
from portal.tasks_ui.services.bulk import bulk_enqueue, bulk_wait
from tests.integration.conftest import ROOT, current_database_url
from tests.integration.notifications.servers import free_port
from tests.integration.tasks_ui.bulk_support import insert, post_job, states, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def writes(handle, since: int) -> list[dict]:
    return [e for e in handle.control.log(since=since) if e["method"] != "GET"]


def last_seq(handle) -> int:
    return max((e["seq"] for e in handle.control.log()), default=0)


def start_web(tmp_path, queue: str) -> tuple[str, subprocess.Popen]:
    """gunicorn as the run command starts it, on this test's database, queue and clock."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "PORTAL_DATA_DIR": str(settings.DATA_DIR),
        "INBOX_BULK_QUEUE": queue,
        "PORTAL_CLOCK_FILE": str(settings.PORTAL_CLOCK_FILE),
    }
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "-c", GUNICORN_CONFIG,
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{base}/healthz", timeout=5)
            return base, process
        except requests.ConnectionError:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.3)


def test_a_job_goes_on_after_the_web_process_that_took_it_is_killed(
    client, member, three_sites, standin, bulk_queue, bulk_worker, tmp_path
):
    riyadh, cairo = three_sites["riyadh"], three_sites["cairo"]
    rows = [f"{riyadh.pk}:{i}" for i in insert(standin, "riyadh", 3)]
    rows += [f"{cairo.pk}:{i}" for i in insert(standin, "cairo", 3)]
    client.force_login(member)
    base, web = start_web(tmp_path, bulk_queue)
    try:
        browser = requests.Session()
        browser.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies["sessionid"].value)
        assert browser.get(f"{base}/tasks/new/", timeout=30).status_code == 200
        answer = browser.post(
            f"{base}/tasks/bulk/",
            data={"action": "status:done", "row": rows},
            headers={"X-CSRFToken": browser.cookies["csrftoken"]},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 302, answer.text[-1000:]
    finally:
        web.kill()  # SIGKILL: no shutdown, nothing more from the web side
        web.wait(timeout=20)
    job_id = answer.headers["Location"].split("/")[3]
    assert set(BulkJob.objects.get(public_id=job_id).rows.values_list("state", flat=True)) == {
        "pending"
    }

    bulk_worker()  # started only now: the job is in the database and the broker alone
    bulk_wait(job_id, timeout=90)

    html = client.get(answer.headers["Location"]).content.decode()  # any web process
    assert "6 of 6 done" in html and "Finished" in html
    assert set(states(html).values()) == {"ok"}
    for key in rows:
        site, task_id = key.split(":")
        name = "riyadh" if int(site) == riyadh.pk else "cairo"
        assert standin.sites[name].control.task(int(task_id))["status"] in ("Done", "Completed")


def test_a_worker_killed_mid_job_leaves_it_to_another_that_deletes_no_task_twice(
    client, member, three_sites, standin, bulk_queue, bulk_worker
):
    plain = three_sites["plainsite"]
    handle = standin.sites["plainsite"]
    ids = insert(standin, "plainsite", 4)
    # Each delete reads the task, deletes it, and reads again to see it gone: slow reads give
    # the test a moment between the site deleting a task and the worker recording it.
    handle.control.set_faults([{"kind": "latency", "ms": 1500, "methods": ["GET"]}])
    first = bulk_worker()
    mark = last_seq(handle)
    client.force_login(member)
    location, job_id = post_job(
        client, {"action": "delete", "confirmed": "1", "row": [f"{plain.pk}:{i}" for i in ids]}
    )

    def deleted(task_id):
        return any(e["path"].endswith(f"/{task_id}") for e in writes(handle, mark))

    wait_until(lambda: deleted(ids[1]), what="the second task's delete", timeout=60)
    first.kill()  # now reading the task again, to see it gone
    job = BulkJob.objects.get(public_id=job_id)
    assert list(job.rows.values_list("state", flat=True)) == ["ok", "running", "pending", "pending"]
    assert handle.control.task(ids[1]) is None  # the site did it; nobody recorded it

    handle.control.clear_faults()
    later = clock.now() + timedelta(seconds=settings.INBOX_BULK_CLAIM_SECONDS + 1)
    clock.set_clock(settings.PORTAL_CLOCK_FILE, frozen=later)  # the claim expires
    for each in standin.sites.values():
        each.control.set_clock(now=later.isoformat())
    second = bulk_worker()
    current_app.send_task("portal.tasks_ui.tasks.bulk_sweep", queue=bulk_queue)  # as beat does
    bulk_wait(job_id, timeout=90)

    for task_id in ids:  # every task deleted exactly once
        assert sum(e["path"].endswith(f"/{task_id}") for e in writes(handle, mark)) == 1
        assert handle.control.task(task_id) is None
    rows = list(job.rows.order_by("position"))
    assert [row.state for row in rows] == ["ok"] * 4
    assert [row.attempts for row in rows] == [1, 2, 1, 1]
    assert [row.worker for row in rows] == [first.hostname] + [second.hostname] * 3
    found = AuditEntry.objects.get(task_id=str(ids[1]))
    assert found.ok and found.changes["checked"] == "found done on the site after a worker stopped"
    assert "4 of 4 done" in client.get(location).content.decode()


def test_two_workers_share_a_job_across_sites_and_unreachable_rows_fail_by_themselves(
    client, member, three_sites, standin, bulk_worker, django_user_model
):
    per_site = 40
    marks = {name: last_seq(standin.sites[name]) for name in three_sites}
    ids = {name: insert(standin, name, per_site) for name in three_sites}
    rows = [f"{site.pk}:{i}" for name, site in three_sites.items() for i in ids[name]]
    hidden = Site.objects.create(name="Not yours", base_url="http://127.0.0.1:9", client_id="x")
    unconnected = Site.objects.create(name="Granted", base_url="http://127.0.0.1:8", client_id="x")
    SiteGrant.objects.create(site=unconnected, user=member)
    rows += [f"{hidden.pk}:7", f"{unconnected.pk}:8"]
    workers = [bulk_worker(), bulk_worker()]
    client.force_login(member)
    location, job_id = post_job(client, {"action": "status:done", "row": rows})
    job = BulkJob.objects.get(public_id=job_id)
    # A second message for one site, as a redelivery would bring: both workers may then work
    # on that site's rows at once, and the claims keep each row to one of them.
    bulk_enqueue(job_id=job.pk, site_ids=[three_sites["riyadh"].pk])
    started = time.monotonic()
    bulk_wait(job_id, timeout=180)
    elapsed = time.monotonic() - started

    html = client.get(location).content.decode()
    total = 3 * per_site + 2
    assert f"{total} of {total} done" in html and "2 failed" in html
    found = states(html)
    assert found["7"] == "failed" and found["8"] == "failed"
    assert "No such site." in html and "Not yours" not in html
    assert "Connect your account on Granted" in html
    assert list(found.values()).count("ok") == 3 * per_site
    for name in three_sites:  # one write per row, none twice
        handle = standin.sites[name]
        assert len(writes(handle, marks[name])) == per_site, name
        assert {handle.control.task(i)["status"] for i in ids[name]} <= {"Done", "Completed"}
    assert AuditEntry.objects.filter(action="task_status", ok=True).count() == 3 * per_site
    job.refresh_from_db()
    by = set(job.rows.exclude(worker="").values_list("worker", flat=True))
    assert by == {worker.hostname for worker in workers}  # sites went to both workers
    assert job.status == "finished" and job.finished_at is not None
    print(f"bulk: {3 * per_site} rows on 3 sites with 2 workers in {elapsed:.1f} s")
