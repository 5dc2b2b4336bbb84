"""A restart of the demo keeps the stand-in sites and the portal consistent: a task created and
a task completed through the portal are still there, with their status, after every demo
site's process was stopped and started again on the same state files (as `make run` does)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal.ops.demo import (
    DEMO_SITES,
    demo_djangocrm_site,
    demo_espocrm_site,
    demo_site,
    demo_user,
)
from portal.sites.backends.base import TaskChanges
from portal.sites.models import Profile
from portal.sites.services.clients import backend_for_service
from portal.sites.services.registry import site_doctor
from tests.standin.test_process import _free_pair

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]


class DemoSites:
    """The three demo processes runstack starts, on free ports, with state files in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.base = _free_pair()
        self.crm_port = self.base + 2
        self.espo_port = self.base + 3
        self.processes: list[subprocess.Popen] = []

    def start(self) -> dict:
        ready = {name: self.folder / f"{name}-ready.json" for name in ("frappe", "crm", "espo")}
        for path in ready.values():
            path.unlink(missing_ok=True)
        commands = [
            ["standin", "--demo", "--port-base", str(self.base), "--redirect-uri",
             "http://127.0.0.1:9/cb/", "--ready-file", str(ready["frappe"])],
            ["standin.djangocrm", "--demo", "--port", str(self.crm_port),
             "--ready-file", str(ready["crm"])],
            ["standin.espocrm", "--demo", "--port", str(self.espo_port),
             "--ready-file", str(ready["espo"])],
        ]  # fmt: skip
        for argv, name in zip(commands, ("frappe", "djangocrm", "espocrm"), strict=True):
            state = ["--state-file", str(self.folder / f"{name}.json")]
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", *argv, *state],
                    cwd=REPO,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )  # fmt: skip
            )
        deadline = time.monotonic() + 60
        while not all(p.exists() and p.stat().st_size for p in ready.values()):
            assert time.monotonic() < deadline, "the demo sites did not start"
            time.sleep(0.2)
        return {name: json.loads(path.read_text()) for name, path in ready.items()}

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            assert process.wait(timeout=20) == 0
        self.processes = []


@pytest.fixture
def demo_sites(tmp_path):
    sites = DemoSites(tmp_path)
    yield sites
    for process in sites.processes:
        process.kill()
        process.wait()


def _register(sites: DemoSites, ready: dict, *, member, lead) -> dict:
    """What demo_prepare does on every start, for the three kinds of site."""
    registered = {
        "frappe": demo_site(DEMO_SITES[0], port_base=sites.base),
        "djangocrm": demo_djangocrm_site(ready["crm"], member=member, lead=lead),
        "espocrm": demo_espocrm_site(ready["espo"], member=member, lead=lead),
    }
    for site in registered.values():
        site_doctor(site=site)
    return {kind: backend_for_service(site) for kind, site in registered.items()}


DONE = {"frappe": "Done", "djangocrm": "Completed", "espocrm": "Completed"}


def test_tasks_created_and_completed_before_a_restart_are_there_after_it(
    demo_sites, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    member, _ = demo_user("mona", role=Profile.Role.MEMBER)
    lead, _ = demo_user("layla", role=Profile.Role.LEAD, language="ar")
    backends = _register(demo_sites, demo_sites.start(), member=member, lead=lead)
    created, completed = {}, {}
    for kind, backend in backends.items():
        open_task = next(t for t in backend.open_tasks() if t.assignees)
        fields = {"title": f"Made before the restart ({kind})",
                  "assignees": [a.user_id for a in open_task.assignees]}  # fmt: skip
        if types := backend.vocabulary().task_types:  # a Frappe site asks for one
            fields["task_type"] = types[0]
        created[kind] = backend.create(TaskChanges(**fields)).id
        completed[kind] = open_task.id
        assert backend.set_status(open_task.id, DONE[kind]).status == DONE[kind]
    demo_sites.stop()

    backends = _register(demo_sites, demo_sites.start(), member=member, lead=lead)
    for kind, backend in backends.items():
        assert backend.get(created[kind]).title == f"Made before the restart ({kind})", kind
        assert backend.get(completed[kind]).status == DONE[kind], kind
