"""Bulk status change and bulk delete across sites: the job in the database, a result per row,
stand-in checks, rows the person may not touch failing by themselves, progress polling, the
sweeper's checks and retention. Rows are worked here, through the service workers call
(`test_bulk_workers.py` runs real worker processes)."""

from datetime import timedelta

import pytest
import requests
from celery import current_app
from django.conf import settings

from portal import clock
from portal.sites.models import AuditEntry, Site, SiteGrant
from portal.tasks_ui.models import BulkJob, BulkRow
from portal.tasks_ui.services.bulk_run import bulk_purge, bulk_site_run, bulk_sweep
from tests.integration.tasks_ui.bulk_support import insert, post_job, run_here, states

pytestmark = pytest.mark.django_db(transaction=True)


def queued(queue: str) -> int:
    with current_app.connection_for_write() as connection:
        return connection.default_channel._size(queue)


def advance(standin, seconds: float) -> None:
    """The portal's clock (its file, which workers read too) and the stand-ins' clocks."""
    later = clock.now() + timedelta(seconds=seconds)
    clock.set_clock(settings.PORTAL_CLOCK_FILE, frozen=later)
    for handle in standin.sites.values():
        handle.control.set_clock(now=later.isoformat())


def set_on_site(handle, task_id: int, status: str) -> None:
    """A change made on the site itself (by a worker the portal lost, say)."""
    response = requests.put(
        f"{handle.url.rstrip('/')}/api/resource/CRM Task/{task_id}",
        json={"status": status},
        headers={
            "Authorization": f"token sales1key{handle.name[:6]}:sales1secret{handle.name[:6]}"
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text


def test_bulk_done_across_sites_reports_each_row(client, member, three_sites, standin):
    riyadh, cairo = three_sites["riyadh"], three_sites["cairo"]
    other = Site.objects.create(name="Not yours", base_url="http://127.0.0.1:9", client_id="x")
    rows = [f"{riyadh.pk}:{i}" for i in insert(standin, "riyadh", 3)]
    rows += [f"{cairo.pk}:{i}" for i in insert(standin, "cairo", 2)]
    rows += [f"{other.pk}:5", f"{riyadh.pk}:999999"]
    client.force_login(member)
    location, job_id = post_job(
        client, {"action": "status:done", "row": rows, "next": "/?bucket=late", "confirmed": ""}
    )
    run_here(job_id)
    html = client.get(location).content.decode()
    assert "7 of 7 done" in html and "Finished" in html
    found = states(html)
    for key in rows[:5]:
        assert found[key.split(":")[1]] == "ok"
    assert found["5"] == "failed" and "No such site." in html  # not visible: no name leaks
    assert found["999999"] == "failed"
    assert standin.sites["riyadh"].control.task(int(rows[0].split(":")[1]))["status"] == "Done"
    assert standin.sites["cairo"].control.task(int(rows[3].split(":")[1]))["status"] == "Completed"
    assert AuditEntry.objects.filter(action="task_status", ok=True).count() == 5
    assert 'href="/?bucket=late"' in html
    job = BulkJob.objects.get(public_id=job_id)
    assert job.status == "finished" and job.finished_at is not None and job.owner == member


def test_starting_a_job_only_writes_it_and_enqueues_one_message_per_site(
    client, member, three_sites, standin, bulk_queue
):
    riyadh, cairo = three_sites["riyadh"], three_sites["cairo"]
    mark = {name: standin.sites[name].control.log()[-1]["seq"] for name in ("riyadh", "cairo")}
    rows = [f"{riyadh.pk}:{i}" for i in insert(standin, "riyadh", 3)]
    rows += [f"{cairo.pk}:{i}" for i in insert(standin, "cairo", 2)]
    client.force_login(member)
    location, job_id = post_job(client, {"action": "status:done", "row": rows})

    job = BulkJob.objects.get(public_id=job_id)
    assert list(job.rows.values_list("state", flat=True)) == ["pending"] * 5
    assert queued(bulk_queue) == 2  # one message per site, sent once committed
    for name, seq in mark.items():  # the request asked no site anything
        assert standin.sites[name].control.log(since=seq) == []
    assert "0 of 5 done" in client.get(location).content.decode()


def test_progress_is_polled_by_htmx_until_finished(client, member, three_sites, standin):
    riyadh = three_sites["riyadh"]
    rows = [f"{riyadh.pk}:{i}" for i in insert(standin, "riyadh", 2)]
    client.force_login(member)
    location, job_id = post_job(client, {"action": "status:in_progress", "row": rows})

    waiting = client.get(location, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="progress")
    html = waiting.content.decode()
    assert waiting.status_code == 200  # htmx goes on polling
    assert html.lstrip().startswith('<section id="progress"') and 'hx-trigger="every 1s"' in html
    assert set(states(html).values()) == {"pending"}
    page = client.get(location).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page  # without JavaScript

    run_here(job_id)
    done = client.get(location, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="progress")
    assert done.status_code == 286  # htmx stops polling: everything is known
    assert set(states(done.content.decode()).values()) == {"ok"}
    assert "hx-trigger" not in done.content.decode()
    assert 'http-equiv="refresh"' not in client.get(location).content.decode()


def test_bulk_delete_asks_first_without_javascript_then_deletes(
    client, member, three_sites, standin
):
    plain, cairo = three_sites["plainsite"], three_sites["cairo"]
    [p1] = insert(standin, "plainsite", 1)
    [c1] = insert(standin, "cairo", 1)
    rows = [f"{plain.pk}:{p1}", f"{cairo.pk}:{c1}"]
    client.force_login(member)
    data = {"action": "delete", "row": rows, f"title-{plain.pk}:{p1}": "Bulk plainsite 0"}
    confirm = client.post("/tasks/bulk/", data)
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "Delete these tasks?" in text
    assert "Bulk plainsite 0" in text and "Plainsite" in text and "Cairo" in text
    assert standin.sites["plainsite"].control.task(p1) is not None
    assert not BulkJob.objects.exists()
    location, job_id = post_job(client, {**data, "confirmed": "1"})
    run_here(job_id)
    html = client.get(location).content.decode()
    assert "2 of 2 done" in html
    assert standin.sites["plainsite"].control.task(p1) is None
    assert standin.sites["cairo"].control.task(c1) is None


def test_nothing_selected_goes_back_with_a_message(client, member, three_sites):
    client.force_login(member)
    response = client.post("/tasks/bulk/", {"action": "status:done", "next": "/tasks/"})
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert not BulkJob.objects.exists()


def test_someone_elses_job_is_not_found(client, member, three_sites, standin, django_user_model):
    riyadh = three_sites["riyadh"]
    rows = [f"{riyadh.pk}:{i}" for i in insert(standin, "riyadh", 1)]
    client.force_login(member)
    location, _job_id = post_job(client, {"action": "status:done", "row": rows})
    other = django_user_model.objects.create_user("olga", password="x-Long-Pass-2026")
    client.force_login(other)
    assert client.get(location).status_code == 404
    assert client.get(location, HTTP_HX_REQUEST="true").status_code == 404
    assert client.get("/tasks/bulk/no-such-job/").status_code == 404


def test_rows_on_a_site_whose_grant_was_withdrawn_before_a_worker_came_fail_untouched(
    client, member, three_sites, standin
):
    riyadh, cairo = three_sites["riyadh"], three_sites["cairo"]
    ours = insert(standin, "riyadh", 1)
    theirs = insert(standin, "cairo", 2)
    rows = [f"{riyadh.pk}:{ours[0]}", *(f"{cairo.pk}:{i}" for i in theirs)]
    client.force_login(member)
    location, job_id = post_job(client, {"action": "status:done", "row": rows})
    SiteGrant.objects.filter(site=cairo, user=member).delete()  # while the job waits

    run_here(job_id)
    html = client.get(location).content.decode()
    assert states(html) == {str(ours[0]): "ok", **{str(i): "failed" for i in theirs}}
    assert html.count("No such site.") == 2
    assert [standin.sites["cairo"].control.task(i)["status"] for i in theirs] == ["Open"] * 2


def test_a_worker_stops_after_its_slice_and_leaves_the_rest_for_the_next_message(
    client, member, three_sites, standin
):
    riyadh = three_sites["riyadh"]
    ids = insert(standin, "riyadh", 3)
    client.force_login(member)
    _location, job_id = post_job(
        client, {"action": "status:done", "row": [f"{riyadh.pk}:{i}" for i in ids]}
    )
    job = BulkJob.objects.get(public_id=job_id)
    assert bulk_site_run(job_id=job.pk, site_id=riyadh.pk, budget=0) is True
    assert list(job.rows.values_list("state", flat=True)) == ["ok", "pending", "pending"]
    assert bulk_site_run(job_id=job.pk, site_id=riyadh.pk, budget=0) is True
    # The last row: nothing left for another message, and the job is finished.
    assert bulk_site_run(job_id=job.pk, site_id=riyadh.pk, budget=0) is False
    assert set(job.rows.values_list("state", flat=True)) == {"ok"}
    job.refresh_from_db()
    assert job.status == "finished" and job.finished_at is not None


def test_a_row_another_worker_claimed_first_is_left_to_it(
    client, member, three_sites, standin, monkeypatch
):
    from types import SimpleNamespace

    from portal.tasks_ui.services import bulk_run

    riyadh = three_sites["riyadh"]
    handle = standin.sites["riyadh"]
    ids = insert(standin, "riyadh", 2)
    client.force_login(member)
    _location, job_id = post_job(
        client, {"action": "status:done", "row": [f"{riyadh.pk}:{i}" for i in ids]}
    )
    job = BulkJob.objects.get(public_id=job_id)
    raced = []

    def token_hex(size):
        # Between this worker reading the first pending row and claiming it, another worker
        # claims that row.
        if not raced:
            raced.append(job.rows.filter(position=0).update(
                state="running", claim_token="other", claimed_at=clock.now(), worker="other@x"
            ))  # fmt: skip
        return "ours"

    monkeypatch.setattr(bulk_run, "secrets", SimpleNamespace(token_hex=token_hex))
    mark = handle.control.log()[-1]["seq"]
    assert bulk_site_run(job_id=job.pk, site_id=riyadh.pk, worker="here") is False

    first, second = job.rows.order_by("position")
    assert (first.state, first.worker, first.claim_token) == ("running", "other@x", "other")
    assert (second.state, second.worker) == ("ok", "here")
    assert len([e for e in handle.control.log(since=mark) if e["method"] != "GET"]) == 1
    assert handle.control.task(ids[0])["status"] == "Todo"


def kill_mid_row(job: BulkJob, position: int) -> BulkRow:
    """As a killed worker leaves it: the row claimed, its claim never released."""
    row = job.rows.get(position=position)
    BulkRow.objects.filter(pk=row.pk).update(
        state="running", claim_token="dead", claimed_at=clock.now(), attempts=1, worker="dead@x"
    )
    return row


def test_a_row_a_killed_worker_had_done_is_checked_on_the_site_and_not_written_again(
    client, member, three_sites, standin, bulk_queue
):
    riyadh = three_sites["riyadh"]
    handle = standin.sites["riyadh"]
    done_before, not_sent = insert(standin, "riyadh", 2)
    client.force_login(member)
    location, job_id = post_job(
        client,
        {"action": "status:done", "row": [f"{riyadh.pk}:{done_before}", f"{riyadh.pk}:{not_sent}"]},
    )
    job = BulkJob.objects.get(public_id=job_id)
    first = kill_mid_row(job, 0)
    set_on_site(handle, done_before, "Done")  # the site has it
    second = kill_mid_row(job, 1)  # this one died before sending
    # Not yet: the claims are still within their lease, and nobody re-sends anything.
    assert bulk_sweep() == {"released": 0, "enqueued": 0, "finished": 0}

    advance(standin, settings.INBOX_BULK_CLAIM_SECONDS + 1)
    mark = handle.control.log()[-1]["seq"]
    assert bulk_sweep() == {"released": 2, "enqueued": 1, "finished": 0}
    assert queued(bulk_queue) == 2  # the start's message, and the sweeper's
    run_here(job_id)

    writes = [e for e in handle.control.log(since=mark) if e["method"] != "GET"]
    assert len(writes) == 1  # only the row that had not been sent
    rows = {row.pk: row for row in job.rows.all()}
    assert rows[first.pk].state == rows[second.pk].state == "ok"
    assert rows[first.pk].attempts == rows[second.pk].attempts == 2
    assert handle.control.task(not_sent)["status"] == "Done"
    found = AuditEntry.objects.get(task_id=str(done_before))
    assert found.ok and "found done on the site" in found.changes["checked"]
    assert "2 of 2 done" in client.get(location).content.decode()


def test_a_row_that_cannot_be_checked_after_a_killed_worker_is_not_changed_blindly(
    client, member, three_sites, standin
):
    riyadh = three_sites["riyadh"]
    handle = standin.sites["riyadh"]
    [task_id] = insert(standin, "riyadh", 1)
    client.force_login(member)
    location, job_id = post_job(
        client, {"action": "status:done", "row": [f"{riyadh.pk}:{task_id}"]}
    )
    kill_mid_row(BulkJob.objects.get(public_id=job_id), 0)
    advance(standin, settings.INBOX_BULK_CLAIM_SECONDS + 1)
    bulk_sweep()
    handle.control.set_faults([{"kind": "error", "status": 500, "methods": ["GET"]}])
    mark = handle.control.log()[-1]["seq"]
    run_here(job_id)
    handle.control.clear_faults()

    assert [e["method"] for e in handle.control.log(since=mark)] == ["GET"]  # no write
    html = client.get(location).content.decode()
    assert states(html) == {str(task_id): "failed"}
    assert "could not be asked whether it was done" in html
    assert handle.control.task(task_id)["status"] == "Todo"


def test_a_job_whose_messages_never_reached_the_broker_is_enqueued_by_the_sweeper(
    client, member, three_sites, standin, bulk_queue, monkeypatch
):
    riyadh = three_sites["riyadh"]
    ids = insert(standin, "riyadh", 2)

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    client.force_login(member)
    with monkeypatch.context() as patched:
        patched.setattr(current_app, "send_task", broker_down)
        _location, job_id = post_job(
            client, {"action": "status:done", "row": [f"{riyadh.pk}:{i}" for i in ids]}
        )
    assert queued(bulk_queue) == 0
    assert bulk_sweep()["enqueued"] == 0  # enqueued at the start as far as anyone knows
    advance(standin, settings.INBOX_BULK_CLAIM_SECONDS + 1)
    assert bulk_sweep()["enqueued"] == 1
    assert queued(bulk_queue) == 1
    assert bulk_sweep()["enqueued"] == 0  # not again while that message waits
    run_here(job_id)
    assert set(BulkJob.objects.get(public_id=job_id).rows.values_list("state", flat=True)) == {"ok"}


def test_jobs_are_kept_for_the_retention_days_then_purged(client, member, three_sites, standin):
    riyadh = three_sites["riyadh"]
    client.force_login(member)
    _location, old = post_job(client, {"action": "status:done", "row": [f"{riyadh.pk}:999991"]})
    advance(standin, 86400 * settings.INBOX_BULK_RETENTION_DAYS - 60)
    _location, recent = post_job(client, {"action": "status:done", "row": [f"{riyadh.pk}:999992"]})
    assert bulk_purge() == 0
    advance(standin, 120)
    assert bulk_purge() == 1
    assert list(BulkJob.objects.values_list("public_id", flat=True)) == [recent]
    assert not BulkRow.objects.filter(job__public_id=old).exists()


def test_titles_from_sites_are_escaped_and_the_rows_speak_the_persons_language(
    client, member, three_sites, standin
):
    riyadh = three_sites["riyadh"]
    [task_id] = standin.sites["riyadh"].control.insert_tasks(
        [{"title": '<img src=x onerror="alert(1)">', "status": "Todo"}]
    )
    client.force_login(member)
    client.post("/accounts/language/", {"language": "ar"})
    location, job_id = post_job(
        client, {"action": "status:done", "row": [f"{riyadh.pk}:{task_id}", f"{riyadh.pk}:9"]}
    )
    html = client.get(location).content.decode()
    assert "في الانتظار…" in html  # waiting, in Arabic
    run_here(job_id)
    html = client.get(location).content.decode()
    # The worker writes the rows' messages in the language of the person who started the job.
    assert BulkRow.objects.get(task_id=9).message == "لا توجد هذه المهمة على Riyadh (ربما حُذفت)."
    assert "<img src=x" not in html
    assert "<bdi>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</bdi>" in html
    assert '<span class="result-ok">تم</span>' in html


def test_the_progress_answer_reads_a_big_job_in_a_few_queries(
    client, member, three_sites, django_assert_max_num_queries
):
    riyadh = three_sites["riyadh"]
    client.force_login(member)
    rows = [f"{riyadh.pk}:{i}" for i in range(1, 301)]
    location, _job_id = post_job(client, {"action": "status:done", "row": rows})
    with django_assert_max_num_queries(8):  # session, user, profile, job, rows: not one a row
        html = client.get(location, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="progress")
    assert len(states(html.content.decode())) == 300
