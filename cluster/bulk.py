"""Scenario 2: the web process that took a bulk job is killed. Through the load balancer, a
logged-in person opens the inbox's upcoming tasks, selects every row and applies "Mark done"
(the same form fields the page's bulk form sends); the backend that answered (HAProxy names it
in X-Portal-Backend) is killed with SIGKILL at once, and the job's page is polled through the
load balancer, so the other web process answers it. The job must finish with every row done,
and every task must be Done on its site. Each site answers a status change after some latency,
so the job is still running when its web process dies."""

from __future__ import annotations

import html
import re
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urljoin

from cluster.pages import TIMEOUT, csrf_token

WRITE_PATH = "/api/method/crm.api.mobile_api.update_status"
WRITE_LATENCY_MS = 150
# No row finished for this long: the job is not running anywhere.
STALL_SECONDS = 30.0
FINISH_TIMEOUT = 180.0
_STATE = re.compile(r'data-state="([a-z_]+)"')
# A row's own end; any other state (pending, running...) still waits.
FINAL = ("ok", "failed", "gone")
_FAILED = re.compile(
    r'<tr data-site="([^"]*)" data-task="(\d+)" data-state="failed">.*?'
    r'<span class="result-failed">(.*?)</span>',
    re.DOTALL,
)
# A row's checkbox and its title, as portal/tasks_ui/templatetags/task_rows.py writes them.
_ROW = re.compile(r'<input type="checkbox" name="row" value="([^"]+)" form="bulk-form"')
_TITLE = re.compile(r'<input type="hidden" name="title-([^"]+)" value="([^"]*)" form="bulk-form">')


@dataclass
class BulkOutcome:
    finished: bool = False
    rows: int = 0
    ok_rows: int = 0
    done_at_sites: int = 0

    @property
    def ok(self) -> bool:
        return self.finished and self.ok_rows == self.rows == self.done_at_sites > 0


def job_states(html: str) -> Counter[str]:
    return Counter(_STATE.findall(html))


def bulk_run(
    *, base_url: str, session, cluster, sites: dict, handles: dict, task_ids: dict, say
) -> BulkOutcome:
    """`sites`: portal Site by stand-in name; `task_ids`: the tasks to mark done, by name."""
    outcome = BulkOutcome()
    for handle in handles.values():
        handle.control.set_faults(
            [{"kind": "latency", "ms": WRITE_LATENCY_MS, "paths": [WRITE_PATH]}]
        )
    try:
        here = "/?scope=all&bucket=upcoming"
        inbox = session.get(f"{base_url}{here}", timeout=TIMEOUT)
        inbox.raise_for_status()
        rows = [html.unescape(key) for key in _ROW.findall(inbox.text)]
        wanted = {f"{sites[name].pk}:{task}" for name, ids in task_ids.items() for task in ids}
        if set(rows) != wanted:
            say(f"bulk: the inbox lists {len(rows)} selectable upcoming tasks, not the "
                f"{len(wanted)} seeded (INBOX_PAGE_SIZE must hold them all)")  # fmt: skip
            return outcome
        form = {
            "csrfmiddlewaretoken": csrf_token(inbox.text),
            "next": here,
            "confirmed": "",
            "action": "status:done",
            "row": rows,
        }
        for key, title in _TITLE.findall(inbox.text):
            form[f"title-{html.unescape(key)}"] = html.unescape(title)
        answer = session.post(
            f"{base_url}/tasks/bulk/", data=form, allow_redirects=False, timeout=TIMEOUT
        )
        took = answer.headers.get("X-Portal-Backend", "")
        if answer.status_code != 302 or "/tasks/bulk/" not in answer.headers.get("Location", ""):
            say(f"bulk: the job was not accepted: HTTP {answer.status_code}")
            return outcome
        job_url = urljoin(f"{base_url}/", answer.headers["Location"])
        web = cluster.node(took)
        if web is None:
            say(f"bulk: the answer names no web process of ours ({took!r})")
            return outcome
        cluster.kill(web)
        accepted = time.monotonic()
        say(f"bulk: {took} took a job of {len(rows)} tasks; killed {took} (kill -9) at once")
        outcome = _follow(session, job_url, accepted, say)
    finally:
        for handle in handles.values():
            handle.control.clear_faults()
    for name, ids in task_ids.items():
        control = handles[name].control
        outcome.done_at_sites += sum(1 for task in ids if control.task(task)["status"] == "Done")
    say(f"bulk: {outcome.done_at_sites} of {len(rows)} tasks are Done on their sites")
    return outcome


def _follow(session, job_url: str, accepted: float, say) -> BulkOutcome:
    """Polls the job's page until every row has ended, nothing moves for STALL_SECONDS, or
    time is up."""
    outcome = BulkOutcome()
    states: Counter[str] = Counter()
    text, done, last_move = "", 0, time.monotonic()
    answered_by: Counter[str] = Counter()
    while time.monotonic() - accepted < FINISH_TIMEOUT:
        try:
            page = session.get(job_url, timeout=TIMEOUT)
        except Exception as error:  # noqa: BLE001 - the pages check counts these; keep polling
            say(f"bulk: the job page did not answer ({type(error).__name__})")
            time.sleep(1)
            continue
        answered_by[page.headers.get("X-Portal-Backend", "?")] += 1
        if page.status_code != 200:
            say(f"bulk: the job page answered HTTP {page.status_code}")
            time.sleep(1)
            continue
        text, states = page.text, job_states(page.text)
        now_done = sum(states[state] for state in FINAL)
        if now_done != done:
            done, last_move = now_done, time.monotonic()
        outcome.rows, outcome.ok_rows = sum(states.values()), states["ok"]
        if outcome.rows and done == outcome.rows:
            outcome.finished = True
            break
        if time.monotonic() - last_move > STALL_SECONDS:
            break
        time.sleep(0.5)
    waited = time.monotonic() - accepted
    served = ", ".join(f"{name} {n}" for name, n in sorted(answered_by.items()))
    counts = f"{states['ok']} ok, {outcome.rows - done} waiting"
    counts += "".join(f", {states[state]} {state}" for state in ("failed", "gone") if states[state])
    for site, task, message in _FAILED.findall(text)[:5]:
        say(f"bulk: failed {html.unescape(site)} #{task}: {html.unescape(message)}")
    if outcome.finished:
        say(f"bulk: finished {waited:.1f} s after the kill: {counts} (pages from {served})")
    else:
        still = time.monotonic() - last_move
        why = (
            f"nothing moved for {still:.0f} s (the job runs nowhere)"
            if still > STALL_SECONDS
            else "still running when the time was up"
        )
        say(f"bulk: not finished {waited:.1f} s after the kill, {why}: {counts} "
            f"(pages from {served})")  # fmt: skip
    return outcome
