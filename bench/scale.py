"""Benchmark of many sites, big sites and a hanging site (issue 13): `bench/scale.py [--quick]`.

The page figures are measured on the real web server: gunicorn started with the command
`manage.py runstack` uses (`gunicorn_argv`), on a throw-away SQLite database and file cache in a
temporary folder, with portal users granted and connected (OAuth) to stand-in sites, loaded over
plain HTTP with a logged-in session cookie; concurrent people are threads here. The stand-in
sites answer with the cost model on (`standin/frappe/cost.py`: what a real site spends per endpoint
and per row). Reads are never cached (SITE_CACHE_SECONDS=0): every load asks the sites. The
portal's and the stand-ins' clocks are frozen together, so every count can be checked exactly.

It prints these lines, each against a baseline measured in the same run:

    fanout: 50 sites x 200 ms vs 1 site: ratio R     the inbox of 50 sites, 200 ms latency each,
    fanout: 200 sites x 200 ms vs 1 site: ratio R    ... of 200; the baseline one such site
    fanout: 10 users x 50 sites at once vs 1 user: p95 ratio R
    site size: 10000 tasks vs 100 tasks: inbox ratio R    the inbox of one site of that size
    site size: 100000 tasks vs 100 tasks: inbox ratio R
    hanging site: healthz p99 X ms, other member's inbox p95 ratio R
    overdue scan: 1000-task site with cost model: T s, N requests
    overdue scan: 10000-task site with cost model: T s, N requests

"hanging site": one site answers nothing (stand-in fault `timeout`) while 12 opens of its task
page run in the background; anonymous /healthz p99 and another member's inbox (no grant on that
site) p95, against the same inbox without the hanging site. This part runs with the portal's
default timeouts and budgets; the others with generous ones (as bench/inbox.py), so that they
measure what the sites cost rather than where a time limit cuts. "overdue scan": the service
the `scan_site` task runs (`site_scan_execute`) for one site, twice; the figure is the second
(a scheduled scan's steady state: the first also sizes the late bucket), T its wall time and N
the requests the stand-in logged.

Indented lines under a figure give its detail. The exit code is non-zero only on a broken
guarantee (an error status, a site's error card on a page that should have none, a count that
differs from the site's own data, a failed scan), never on a timing. `--quick` (CI) repeats
less and watches the hanging site for a shorter time; the sizes and site counts are the same.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "Bench-Pass-2026!"  # noqa: S105 - users of throw-away stand-in sites
LATENCY_MS = 200
FANOUT_SITES = 200
FANOUT_USERS = 10
FANOUT_SEED = 30
SIZES = (100, 10_000, 100_000)
SCAN_SIZES = (1_000, 10_000)
CALM_SITES = 5
HANG_OPENS = 12
OPEN = ("Backlog", "Todo", "In Progress")  # the deployed flavour's open statuses besides `late`
INBOX = "/?scope=all&bucket=overdue"
OVERDUE_COUNT = re.compile(r'data-bucket="overdue" data-count="(\d+)"')
VOCABULARY = {
    "statuses": ["Todo", "Backlog", "In Progress", "Done", "Canceled", "late"],
    "priorities": ["Low", "Medium", "High"],
    "task_types": ["call", "property showing", "other"],
}


@dataclass(frozen=True)
class Mode:
    runs: int  # loads per median
    user_rounds: int  # rounds of FANOUT_USERS people loading at once
    healthz_samples: int  # /healthz loads without the hanging site
    hang_seconds: float  # how long the hanging site is watched


PARTS = ("fanout", "users", "sizes", "hanging", "scan")
QUICK = Mode(runs=3, user_rounds=2, healthz_samples=30, hang_seconds=10)
FULL = Mode(runs=7, user_rounds=5, healthz_samples=100, hang_seconds=60)

broken: list[str] = []


def broke(what: str) -> None:
    broken.append(what)
    print(f"  BROKEN: {what}", flush=True)


def detail(text: str) -> None:
    print(f"  {text}", flush=True)


def quantile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# --- the portal's side -------------------------------------------------------------------------


def portal_env(tmp: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_DATA_DIR": str(tmp),
        "PORTAL_CLOCK_FILE": str(tmp / "clock.json"),
        "SITE_CACHE_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",  # as in production: compiled templates are cached
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }


# Fan-out and site size measure what the sites cost, not where a limit cuts (bench/inbox.py).
GENEROUS = {"INBOX_SITE_TIMEOUT": "60", "INBOX_PAGE_BUDGET": "120"}


def configure(tmp: Path) -> None:
    """This process shares the web server's database, cache and clock."""
    sys.path.insert(0, str(ROOT))
    for name in ("DATABASE_URL", "REDIS_URL", "PORTAL_CLOCK_FILE", *GENEROUS):
        os.environ.pop(name, None)
    os.environ.update(portal_env(tmp))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from portal import clock

    clock.set_clock(tmp / "clock.json", frozen=NOW)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebServer:
    """gunicorn as `manage.py runstack` starts it, on a port of its own."""

    def __init__(self, tmp: Path, name: str, env: dict[str, str], *, quick_stop=False) -> None:
        from portal.ops.management.commands.runstack import gunicorn_argv

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.argv = gunicorn_argv(host="127.0.0.1", port=self.port)
        self.env = {**os.environ, **portal_env(tmp), **env}
        self.log = tmp / f"gunicorn-{name}.log"
        self.process: subprocess.Popen | None = None
        # SIGINT is gunicorn's quick shutdown, but a worker still waits for its threads: requests
        # held by a hanging site are not awaited, the server's process group is killed instead.
        self.stop_signal = signal.SIGINT if quick_stop else signal.SIGTERM
        self.stop_seconds = 3 if quick_stop else 30

    def __enter__(self) -> WebServer:
        out = self.log.open("wb")
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers are stopped with it
        )
        out.close()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("gunicorn exited:\n" + self.log.read_text()[-3000:])
            try:
                if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /healthz")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=self.stop_seconds)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group this server started
                self.process.wait()


def register(handle) -> object:
    from portal.sites.models import Site

    return Site.objects.create(
        name=handle.name,
        base_url=handle.url,
        client_id="portal",
        time_zone="UTC",
        flavour="deployed",
        capabilities={"vocabulary": VOCABULARY},
    )


def person(username: str, sites: list) -> object:
    """A member granted these sites and connected to each with a real OAuth token."""
    from django.contrib.auth.models import User

    from portal.sites.models import Profile, SiteGrant
    from portal.sites.services.connect import connection_by_password

    user = User.objects.create_user(username, password=PASSWORD)
    Profile.objects.create(user=user, role=Profile.Role.MEMBER)
    for site in sites:
        SiteGrant.objects.create(site=site, user=user)
        connection_by_password(
            user=user, site=site, site_user=f"sales1@{site.name}.test", password=PASSWORD
        )
    return user


def cookie_for(user) -> dict[str, str]:
    """A logged-in session, as the login page would leave in a browser."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


class Browser:
    """One person's HTTP session against the web server (one per thread). Every request comes
    on a new connection: a kept-alive one stays with the gunicorn worker that accepted it (and
    so measures that worker only), and gunicorn closes it after two idle seconds, a race a
    browser hides by retrying but `requests` reports as an error."""

    def __init__(self, base: str, cookies: dict[str, str] | None = None) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.cookies.update(cookies or {})

    def get(self, path: str, timeout: float = 120) -> tuple[float, requests.Response]:
        started = time.perf_counter()
        resp = self.http.get(
            self.base + path,
            timeout=timeout,
            allow_redirects=False,
            headers={"Connection": "close"},
        )
        return time.perf_counter() - started, resp


def inbox_load(browser: Browser, what: str, expected: int | None) -> float:
    """One load of the overdue inbox; a broken guarantee is recorded, the time returned."""
    started = time.perf_counter()
    try:
        seconds, resp = browser.get(INBOX)
    except requests.RequestException as exc:  # no answer within two minutes is an outage
        broke(f"{what}: {type(exc).__name__}")
        return time.perf_counter() - started
    page = resp.text
    if resp.status_code != 200:
        broke(f"{what}: status {resp.status_code}")
    elif 'class="card' in page:
        broke(f"{what}: a site's error card: {_card_text(page)}")
    else:
        found = OVERDUE_COUNT.search(page)
        count = int(found.group(1)) if found else None
        if expected is not None and count != expected:
            broke(f"{what}: overdue count {count}, the sites hold {expected}")
    return seconds


def _card_text(page: str) -> str:
    found = re.search(r'<div class="card[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return (
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()[:200] if found else ""
    )


def median_load(runs: int, load: Callable[[], float], *, warm: bool = True) -> float:
    if warm:
        load()  # connection pools, templates, the first use of each token
    return statistics.median(load() for _ in range(runs))


# --- the stand-in's side -----------------------------------------------------------------------


def site_config(name: str, seed_size: int, seed: int = 1) -> dict:
    return {
        "name": name,
        "flavour": "deployed",
        "time_zone": "UTC",
        "seed_size": seed_size,
        "seed": seed,
        "clock": {"mode": "frozen", "now": NOW.isoformat()},
        "users": [
            {
                "name": f"sales1@{name}.test",
                "email": f"sales1@{name}.test",
                "first_name": "Sales",
                "last_name": "One",
                "password": PASSWORD,
                "roles": ["Sales User"],
                "api_key": f"key-{name}",
                "api_secret": f"secret-{name}",
            }
        ],
        "oauth_clients": [
            {
                "client_id": "portal",
                "client_secret": "s",
                "app_name": "Portal",
                "redirect_uris": ["http://127.0.0.1:8000/sites/oauth/callback/"],
                "skip_authorization": True,
                "scopes": "all openid",
            }
        ],
    }


def fanout_sites() -> dict:
    return {
        "sites": [site_config(f"f{i:03d}", FANOUT_SEED, seed=i + 1) for i in range(FANOUT_SITES)]
    }


def other_sites() -> dict:
    sites = [site_config(f"size{n}", n, seed=3) for n in SIZES]
    sites += [site_config(f"scan{n}", n, seed=5) for n in SCAN_SIZES]
    sites += [site_config(f"calm{i}", 100, seed=10 + i) for i in range(1, CALM_SITES + 1)]
    sites.append(site_config("hang", 100, seed=9))
    return {"sites": sites}


def total(handle, filters: list) -> int:
    query = {"filters": json.dumps(filters), "limit": 1}
    return handle.control.call("GET", "/tasks", query=query)["total"]


def site_now() -> str:
    return NOW.strftime("%Y-%m-%d %H:%M:%S")  # the sites are in UTC


def overdue_truth(handle) -> int:
    """The portal's overdue bucket counted in the site's own data: open, and marked `late` or
    due before now (contract README, "Buckets in the portal")."""
    marked = total(handle, [["status", "=", "late"]])
    due = total(
        handle,
        [["status", "in", list(OPEN)], ["due_date", "is", "set"], ["due_date", "<", site_now()]],
    )
    return marked + due


def late_truth(handle) -> int:
    """The portal's late bucket: open, started before today, not overdue."""
    started = [["status", "in", list(OPEN)], ["start_date", "<", NOW.strftime("%Y-%m-%d")]]
    overdue = [["due_date", "is", "set"], ["due_date", "<", site_now()]]
    return total(handle, started) - total(handle, started + overdue)


def cost_model_on(handles) -> None:
    for handle in handles:
        handle.control.set_cost_model(enabled=True)


def site_requests(handle, since: int = 0) -> list[dict]:
    return [e for e in handle.control.log(since) if not e["path"].startswith("/_standin")]


# --- the figures -------------------------------------------------------------------------------


def bench_fanout(web: WebServer, mode: Mode, world: dict) -> None:
    one, fifty, all_ = world["one"], world["fifty"], world["all"]
    single = median_load(mode.runs, lambda: inbox_load(one[0], "fanout, 1 site", one[1]))
    for label, (browser, expected) in (("50", fifty), (str(FANOUT_SITES), all_)):
        what = f"fanout, {label} sites"
        many = median_load(mode.runs, lambda b=browser, e=expected, w=what: inbox_load(b, w, e))
        print(
            f"fanout: {label} sites x {LATENCY_MS} ms vs 1 site: ratio {many / single:.2f}",
            flush=True,
        )
        detail(f"{label} sites {many * 1000:.0f} ms, one site {single * 1000:.0f} ms (medians)")
        sites = [world["site_objects"][f"f{i:03d}"] for i in range(int(label))]
        floor = median_load(mode.runs, lambda s=sites: client_reads(s))
        detail(
            f"the same reads through the client alone, all {label} sites at once: "
            f"{floor * 1000:.0f} ms (one stand-in process serves every site, on the same cores)"
        )


def client_reads(sites) -> float:
    """The floor under a fan-out figure: each site's inbox read (one page of its open tasks, as
    the page asks it) from threads of this process, no portal page around it."""
    from django.db import connections

    from portal.sites.backends.frappe.buckets import FINISHED_STATUSES
    from portal.sites.backends.frappe.query import PAGE_LENGTH, ROW_FIELDS
    from portal.sites.models import Connection
    from portal.sites.services.clients import client_for_connection

    found = Connection.objects.filter(site__in=sites).select_related("site")
    by_site = {connection.site_id: connection for connection in found}
    clients = [client_for_connection(by_site[site.pk]) for site in sites]
    open_ = [["status", "not in", list(FINISHED_STATUSES)]]

    def read(client) -> int:
        try:
            return len(client.list_tasks(filters=open_, fields=ROW_FIELDS, page_length=PAGE_LENGTH))
        finally:
            connections.close_all()

    began = time.perf_counter()
    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(read, clients))
    return time.perf_counter() - began


def bench_users(web: WebServer, mode: Mode, world: dict) -> None:
    people, expected = world["people"], world["fifty_expected"]
    first = people[0]
    alone = [inbox_load(first, "1 user x 50 sites", expected) for _ in range(1 + 2 * mode.runs)]
    alone = alone[1:]  # the first load warmed up
    for browser in people[1:]:
        inbox_load(browser, "warm-up", expected)
    barrier = threading.Barrier(len(people))
    times: list[float] = []
    lock = threading.Lock()

    def person_loads(browser: Browser) -> None:
        for _ in range(mode.user_rounds):
            barrier.wait()
            seconds = inbox_load(browser, f"{len(people)} users x 50 sites", expected)
            with lock:
                times.append(seconds)

    threads = [threading.Thread(target=person_loads, args=(b,)) for b in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ratio = quantile(times, 0.95) / quantile(alone, 0.95)
    print(f"fanout: {len(people)} users x 50 sites at once vs 1 user: p95 ratio {ratio:.2f}")
    detail(
        f"p95 {quantile(times, 0.95) * 1000:.0f} ms over {len(times)} loads at once, alone "
        f"{quantile(alone, 0.95) * 1000:.0f} ms over {len(alone)} loads"
    )


def bench_sizes(web: WebServer, mode: Mode, world: dict) -> None:
    browsers = world["sizes"]
    small = SIZES[0]
    base_browser, base_expected = browsers[small]
    base = median_load(
        2 * mode.runs, lambda: inbox_load(base_browser, f"{small}-task site", base_expected)
    )
    for size in SIZES[1:]:
        browser, expected = browsers[size]
        # The first load reads what the stand-in has not answered before (its cold start).
        first = inbox_load(browser, f"{size}-task site", expected)
        seconds = median_load(
            mode.runs,
            lambda b=browser, e=expected, s=size: inbox_load(b, f"{s}-task site", e),
            warm=False,
        )
        print(
            f"site size: {size} tasks vs {small} tasks: inbox ratio {seconds / base:.2f}",
            flush=True,
        )
        detail(
            f"{size} tasks {seconds * 1000:.0f} ms, {small} tasks {base * 1000:.0f} ms "
            f"(medians; {expected} overdue; the first load {first * 1000:.0f} ms)"
        )


def bench_hanging(web: WebServer, mode: Mode, world: dict, hang_handle) -> None:
    other, expected = world["other"]
    hanger_cookies, task_path = world["hanger"]
    anonymous = Browser(web.url)

    def healthz() -> float:
        try:
            seconds, resp = anonymous.get("/healthz", timeout=120)
        except requests.RequestException as exc:
            broke(f"/healthz: {type(exc).__name__}")
            return 120.0
        if resp.status_code != 200:
            broke(f"/healthz: status {resp.status_code}")
        return seconds

    for _ in range(4):  # each worker's first requests load what a process loads once
        healthz()
    calm_healthz = [healthz() for _ in range(mode.healthz_samples)]
    calm_inbox = [
        inbox_load(other, "other member's inbox", expected) for _ in range(1 + 2 * mode.runs)
    ]
    calm_inbox = calm_inbox[1:]

    hang_handle.control.set_faults([{"kind": "timeout", "seconds": 600}])
    stop = threading.Event()
    opens: list[str] = []

    def open_hanging_task() -> None:
        browser = Browser(web.url, hanger_cookies)
        while not stop.is_set():
            try:
                seconds, resp = browser.get(task_path, timeout=180)
                opens.append(f"{resp.status_code} in {seconds:.1f} s")
            except requests.RequestException as exc:
                if not stop.is_set():
                    opens.append(type(exc).__name__)

    background = [
        threading.Thread(target=open_hanging_task, daemon=True) for _ in range(HANG_OPENS)
    ]
    for thread in background:
        thread.start()
    time.sleep(1)  # the opens reach the web server first
    deadline = time.monotonic() + mode.hang_seconds
    hung_healthz: list[float] = []
    hung_inbox: list[float] = []

    def sample(into: list[float], measure: Callable[[], float]) -> None:
        while True:
            into.append(measure())
            if time.monotonic() >= deadline:
                return

    samplers = [
        threading.Thread(target=sample, args=(hung_healthz, healthz)),
        threading.Thread(
            target=sample,
            args=(
                hung_inbox,
                lambda: inbox_load(other, "other member's inbox, site hanging", expected),
            ),
        ),
    ]
    for thread in samplers:
        thread.start()
    for thread in samplers:
        thread.join()
    stop.set()  # the web server is stopped next: opens still waiting end with it
    p99 = quantile(hung_healthz, 0.99) * 1000
    ratio = quantile(hung_inbox, 0.95) / quantile(calm_inbox, 0.95)
    print(f"hanging site: healthz p99 {p99:.0f} ms, other member's inbox p95 ratio {ratio:.2f}")
    calm_p99 = quantile(calm_healthz, 0.99) * 1000
    calm_median = statistics.median(calm_healthz) * 1000
    hung_p95 = quantile(hung_inbox, 0.95) * 1000
    calm_p95 = quantile(calm_inbox, 0.95) * 1000
    detail(
        f"healthz p99 {p99:.0f} ms over {len(hung_healthz)} loads (without the hanging site: "
        f"p99 {calm_p99:.0f} ms, median {calm_median:.0f} ms)"
    )
    detail(f"inbox p95 {hung_p95:.0f} ms over {len(hung_inbox)} loads ({calm_p95:.0f} ms without)")
    detail(f"task page opens of the hanging site that ended: {len(opens)} {sorted(set(opens))[:6]}")


def bench_scans(handles: dict, sites: dict) -> None:
    from portal.notifications.models import SiteScan
    from portal.notifications.services.runs import scan_run_start, site_scan_execute
    from portal.sites.models import ServiceCredential

    for size in SCAN_SIZES:
        handle = handles[f"scan{size}"]
        site = sites[handle.name]
        ServiceCredential.objects.create(
            site=site,
            kind=ServiceCredential.Kind.API_KEY,
            api_key=f"key-{handle.name}",
            api_secret=f"secret-{handle.name}",
        )
        expected = {"overdue": overdue_truth(handle), "late": late_truth(handle)}
        passes = []
        for _ in range(2):
            run = scan_run_start(trigger="bench", site_ids=[site.pk], now=NOW)
            site_scan = SiteScan.objects.get(run=run, site=site)
            mark = max((e["seq"] for e in handle.control.log()), default=0)
            started = time.perf_counter()
            site_scan_execute(site_scan_id=site_scan.pk)
            seconds = time.perf_counter() - started
            time.sleep(0.1)  # the stand-in logs a request just after answering it
            requests_made = site_requests(handle, mark)
            site_scan.refresh_from_db()
            if site_scan.status != SiteScan.Status.OK:
                broke(f"scan of the {size}-task site: {site_scan.status} {site_scan.error[:200]}")
            else:
                found = {"overdue": site_scan.overdue_count, "late": site_scan.late_count}
                if found != expected:
                    broke(f"scan of the {size}-task site found {found}, the site holds {expected}")
            passes.append((seconds, requests_made))
        seconds, requests_made = passes[-1]
        print(
            f"overdue scan: {size}-task site with cost model: {seconds:.2f} s, "
            f"{len(requests_made)} requests",
            flush=True,
        )
        calls: dict[str, list[float]] = {}
        for entry in requests_made:
            name = entry["path"].rsplit("/", 1)[-1]
            calls.setdefault(name, []).append(entry["duration_ms"] / 1000)
        # A request the scan gave up on is logged when the site answers: maybe not yet.
        logged = "; ".join(f"{n} x{len(t)} {sum(t):.2f} s" for n, t in calls.items())
        detail(
            f"{logged or 'no request logged yet'}; first scan {passes[0][0]:.2f} s, "
            f"{len(passes[0][1])} requests; the site holds {expected['overdue']} overdue, "
            f"{expected['late']} late"
        )


# --- the run -----------------------------------------------------------------------------------


def prepare(fanout, others) -> dict:
    """Portal sites and people; returns what the benches need (people as cookie sets)."""
    sites = {name: register(handle) for name, handle in {**fanout.sites, **others.sites}.items()}
    fan = [sites[f"f{i:03d}"] for i in range(FANOUT_SITES)]
    truth = {name: overdue_truth(h) for name, h in {**fanout.sites, **others.sites}.items()}

    def expected(names) -> int:
        return sum(truth[n] for n in names)

    def connect(job) -> tuple[str, object]:
        from django.db import connections

        username, granted = job
        try:
            return username, person(username, granted)
        finally:
            connections.close_all()

    jobs = [("one", fan[:1]), ("fifty", fan[:50]), ("all", fan)]
    jobs += [(f"user{i}", fan[:50]) for i in range(1, FANOUT_USERS)]
    jobs += [(f"size{n}", [sites[f"size{n}"]]) for n in SIZES]
    calm = [sites[f"calm{i}"] for i in range(1, CALM_SITES + 1)]
    jobs += [("other", calm), ("hanger", [sites["hang"], calm[0]])]
    # SQLite takes one writer at a time; the sites' token answers overlap.
    with ThreadPoolExecutor(4) as pool:
        users = dict(pool.map(connect, jobs))
    return {
        "sites": sites,
        "users": users,
        "expected": {
            "one": expected(["f000"]),
            "fifty": expected([f"f{i:03d}" for i in range(50)]),
            "all": expected([f"f{i:03d}" for i in range(FANOUT_SITES)]),
            "sizes": {n: truth[f"size{n}"] for n in SIZES},
            "other": expected([f"calm{i}" for i in range(1, CALM_SITES + 1)]),
        },
        "hang_task": others.sites["hang"].control.tasks(limit=1)[0]["name"],
        "grants": dict(jobs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (CI)")
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run, of {','.join(PARTS)} (default: all)",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    if not only <= set(PARTS):
        parser.error(f"--only takes parts among {','.join(PARTS)}")
    mode = QUICK if args.quick else FULL
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    configure(tmp)

    from standin.testing import StandinProcess

    began = time.monotonic()
    print(f"bench/scale.py{' --quick' if args.quick else ''}: data in {tmp}", flush=True)
    fanout = StandinProcess(fanout_sites(), startup_timeout=180)
    others = StandinProcess(other_sites(), startup_timeout=180)
    with ExitStack() as stack:
        for process in (fanout, others):
            stack.callback(process.cleanup)
            stack.callback(process.stop)
        with ThreadPoolExecutor(2) as pool:  # the 100,000-task seed and 200 sites at once
            list(pool.map(lambda process: process.start(), (fanout, others)))
        standins_ready = time.monotonic()
        prep = prepare(fanout, others)
        users, expected = prep["users"], prep["expected"]
        for handle in fanout.sites.values():
            handle.control.set_faults([{"kind": "latency", "ms": LATENCY_MS}])
        cost_model_on([*fanout.sites.values(), *others.sites.values()])
        cookies = {name: cookie_for(user) for name, user in users.items()}
        connections = sum(len(granted) for granted in prep["grants"].values())
        detail(
            f"setup {time.monotonic() - began:.0f} s (stand-ins {standins_ready - began:.0f} s; "
            f"{len(users)} people, {connections} OAuth connections)"
        )

        if only & {"fanout", "users", "sizes"}:
            with WebServer(tmp, "generous", GENEROUS) as web:
                world = {
                    "site_objects": prep["sites"],
                    "one": (Browser(web.url, cookies["one"]), expected["one"]),
                    "fifty": (Browser(web.url, cookies["fifty"]), expected["fifty"]),
                    "all": (Browser(web.url, cookies["all"]), expected["all"]),
                    "people": [Browser(web.url, cookies["fifty"])]
                    + [Browser(web.url, cookies[f"user{i}"]) for i in range(1, FANOUT_USERS)],
                    "fifty_expected": expected["fifty"],
                    "sizes": {
                        n: (Browser(web.url, cookies[f"size{n}"]), expected["sizes"][n])
                        for n in SIZES
                    },
                }
                if "fanout" in only:
                    bench_fanout(web, mode, world)
                if "users" in only:
                    bench_users(web, mode, world)
                if "sizes" in only:
                    bench_sizes(web, mode, world)

        if "hanging" in only:
            with WebServer(tmp, "defaults", {}, quick_stop=True) as web:
                hang_site = prep["sites"]["hang"]
                world = {
                    "other": (Browser(web.url, cookies["other"]), expected["other"]),
                    "hanger": (cookies["hanger"], f"/tasks/{hang_site.pk}/{prep['hang_task']}/"),
                }
                bench_hanging(web, mode, world, others.sites["hang"])

        if "scan" in only:
            bench_scans(others.sites, prep["sites"])
    detail(f"total {time.monotonic() - began:.0f} s")
    if broken:
        print(f"result: FAILED, {len(broken)} broken guarantees (first: {broken[0]})")
        return 1
    print("result: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
