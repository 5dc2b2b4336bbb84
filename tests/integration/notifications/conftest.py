"""Fixtures for reminders: stand-in sites with no seeded tasks (each test writes the tasks it
reasons about), one clock for the portal (a clock file, read by worker processes too) and the
stand-ins, real SMTP and HTTP receivers, and helpers to write tasks, channels and rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from portal import clock
from portal.notifications.models import Channel, Rule
from portal.sites.models import Profile, Site, SiteUser, Team
from tests.integration.conftest import start_worker
from tests.integration.notifications.servers import Mailbox, Receiver
from tests.standin_sites import register_site, site_users

# A Monday: 12:00 in Riyadh, 11:00 in Cairo.
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SITES = {
    "riyadh": {"flavour": "deployed", "time_zone": "Asia/Riyadh"},
    "cairo": {"flavour": "documented", "time_zone": "Africa/Cairo"},
}


@pytest.fixture(autouse=True)
def centre_by_default_off(settings):
    """Reminders also reach portal accounts in the notification centre by default; the tests
    of the other channels count their deliveries without it (test_centre*.py turn it on)."""
    settings.NOTIFY_CENTRE_BY_DEFAULT = False


@pytest.fixture(scope="session")
def notify_standin():
    from standin.testing import StandinProcess

    config = {
        "sites": [
            {"name": name, "seed_size": 0, "users": site_users(f"{name}.test"), **extra}
            for name, extra in SITES.items()
        ]
    }
    with StandinProcess(config) as process:
        yield process


class Clocks:
    """The portal's clock (a file every process reads) and the stand-ins' clocks, together."""

    def __init__(self, path, handles) -> None:
        self.path = path
        self.handles = handles
        self.now = T0

    def set(self, when: datetime) -> datetime:
        self.now = when
        clock.set_clock(self.path, frozen=when)
        for handle in self.handles:
            handle.control.set_clock(now=when.isoformat())
        return when

    def advance(self, **delta) -> datetime:
        return self.set(self.now + timedelta(**delta))


@pytest.fixture
def clocks(notify_standin, tmp_path, settings):
    path = tmp_path / "clock.json"
    settings.PORTAL_CLOCK_FILE = str(path)
    for handle in notify_standin.sites.values():
        handle.control.reset()
    clocks = Clocks(path, list(notify_standin.sites.values()))
    clocks.set(T0)
    return clocks


@pytest.fixture
def sites(notify_standin, clocks, db) -> dict[str, Site]:
    """The stand-in sites registered in the portal with API-key service credentials."""
    return {
        name: register_site(handle, time_zone=SITES[name]["time_zone"])
        for name, handle in notify_standin.sites.items()
    }


def local(site: Site, when: datetime) -> str:
    """A site-local naive timestamp, as Frappe stores dates."""
    return when.astimezone(ZoneInfo(site.time_zone)).strftime("%Y-%m-%d %H:%M:%S")


class Tasks:
    def __init__(self, standin, sites) -> None:
        self.standin = standin
        self.sites = sites

    def add(self, site_name: str, *, title: str, due: datetime | None = None,
            start: datetime | None = None, status: str | None = None, assignees=(),
            priority: str = "High", task_type: str | None = "call", save_rules: bool = False,
            ) -> str:  # fmt: skip
        site = self.sites[site_name]
        start = start or (due - timedelta(days=1) if due else T0 - timedelta(days=1))
        row = {
            "title": title,
            "start_date": local(site, start),
            "due_date": local(site, due) if due else None,
            "priority": priority,
            "assignees": list(assignees),
        }
        if status:
            row["status"] = status
        if task_type and site.flavour == "deployed":
            row["task_type"] = task_type
        handle = self.standin.sites[site_name]
        [task_id] = handle.control.insert_tasks([row], save_rules=save_rules)
        return str(task_id)  # as the portal holds it

    def row(self, site_name: str, task_id: str) -> dict:
        return self.standin.sites[site_name].control.task(task_id)


@pytest.fixture
def tasks(notify_standin, sites) -> Tasks:
    return Tasks(notify_standin, sites)


@pytest.fixture
def mailbox(settings):
    box = Mailbox().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = box.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield box
    box.stop()


@pytest.fixture
def receiver(settings):
    server = Receiver().start()
    settings.SLACK_API_BASE_URL = server.url + "/slack/api/"
    yield server
    server.stop()


@pytest.fixture
def email_channel(db) -> Channel:
    return Channel.objects.create(name="Email", kind=Channel.Kind.EMAIL)


def make_rule(**fields) -> Rule:
    sites = fields.pop("sites", [])
    broadcasts = fields.pop("broadcast_channels", [])
    defaults = {"name": "Overdue", "repeat_every_hours": 24, "max_repeats": 2}
    rule = Rule.objects.create(**{**defaults, **fields})
    rule.sites.set(sites)
    rule.broadcast_channels.set(broadcasts)
    return rule


def make_lead(*, username: str, email: str, members: list[SiteUser], language: str = "en"):
    lead = User.objects.create_user(username, email=email, password="x-Very-Long-Pass-1")
    Profile.objects.create(user=lead, role=Profile.Role.LEAD, language=language,
                           time_zone="Asia/Riyadh")  # fmt: skip
    team = Team.objects.create(name=f"Team of {username}", lead=lead)
    team.members.add(*members)
    return lead


def site_user(site: Site, user_id: str, **fields) -> SiteUser:
    found, _ = SiteUser.objects.update_or_create(
        site=site, user_id=user_id, defaults={"email": user_id, **fields}
    )
    return found


@pytest.fixture
def notify_worker(transactional_db, tmp_path, settings, clocks, mailbox, receiver):
    """Starts real worker processes that share this test's clock file, mail server, Slack base
    URL and queue; ``notify_worker()`` starts one (call again for a second or a replacement)."""
    started = []
    queue = f"notify-{uuid.uuid4().hex[:8]}"
    settings.NOTIFY_QUEUE = queue
    env = {
        "PORTAL_CLOCK_FILE": str(clocks.path),
        "NOTIFY_QUEUE": queue,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mailbox.port),
        "SLACK_API_BASE_URL": receiver.url + "/slack/api/",
        "NOTIFY_HTTP_TIMEOUT": "60",
    }

    def start():
        # Read when the worker starts: a test may turn the centre's default on first.
        centre = {"NOTIFY_CENTRE_BY_DEFAULT": str(settings.NOTIFY_CENTRE_BY_DEFAULT).lower()}
        worker = start_worker(
            log_path=tmp_path / f"worker-{len(started)}.log", queue=queue,
            extra_env={**env, **centre},
        )  # fmt: skip
        started.append(worker)
        return worker

    yield start
    receiver.release()
    for worker in started:
        worker.stop()
