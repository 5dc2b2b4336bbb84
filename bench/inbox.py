"""Benchmark of the task inbox (issue 7): `python bench/inbox.py [--quick]`.

Starts one stand-in process serving 21 sites (20 small deployed sites and one with 10,000
tasks) and a portal on a throw-away SQLite database, then prints:

1. Many sites at once: the inbox page ("everything I may see") for a person granted all 20
   sites, each answering with 200 ms of latency, against the same page with one such site.
   Serial requests would make the ratio about 20; the aim is at most 1.5.
2. The portal's own cost: one site with no latency, the page against a direct client call
   that reads the same data (the same two list requests, also concurrently).
3. A site with 10,000 tasks: the filter page's median time and the number of requests it
   made to the site, unfiltered and with a typical filter.
4. Mixed kinds: the page of figure 1 with two Django-CRM and two EspoCRM sites added (in-process
   stand-ins, no latency), against figure 1's page.

Reads are never cached here (SITE_CACHE_SECONDS=0): every page load asks the sites. Times are
medians of several runs after one warm-up; `--quick` runs fewer of them (CI).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL_SITES = 20
LATENCY_MS = 200
PASSWORD = "Bench-Pass-2026!"  # noqa: S105 - users of throw-away stand-in sites


def configure(tmp: str) -> None:
    """A portal of its own: SQLite and the file cache in a temporary folder, no read cache."""
    sys.path.insert(0, str(ROOT))
    for name in ("DATABASE_URL", "REDIS_URL", "PORTAL_CLOCK_FILE"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PORTAL_DATA_DIR": tmp,
            "SITE_CACHE_SECONDS": "0",
            "INBOX_SITE_TIMEOUT": "60",
            "INBOX_PAGE_BUDGET": "120",
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",  # as in production: compiled templates are cached
            "ALLOWED_HOSTS": "testserver,localhost",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def standin_config(small_seed: int, big_seed: int) -> dict:
    def site(name: str, seed_size: int) -> dict:
        return {
            "name": name,
            "flavour": "deployed",
            "time_zone": "UTC",
            "seed_size": seed_size,
            "users": [
                {
                    "name": f"sales1@{name}.test",
                    "email": f"sales1@{name}.test",
                    "first_name": "Sales",
                    "last_name": "One",
                    "password": PASSWORD,
                    "roles": ["Sales User"],
                    "api_key": f"key{name}",
                    "api_secret": f"secret{name}",
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

    sites = [site(f"s{i:02d}", small_seed) for i in range(1, SMALL_SITES + 1)]
    return {"sites": [*sites, site("big", big_seed)]}


def portal_people(standin) -> dict:
    """Portal sites for every stand-in site (flavour and options as the doctor would store them)
    and three people: one granted all 20 small sites, one granted one of them, one the big
    site. Each is connected with a real OAuth token."""
    from django.contrib.auth.models import User

    from portal.sites.models import Profile, Site, SiteGrant
    from portal.sites.services.connect import connection_by_password

    vocabulary = {
        "statuses": ["Todo", "Backlog", "In Progress", "Done", "Canceled", "late"],
        "priorities": ["Low", "Medium", "High"],
        "task_types": ["call", "property showing", "other"],
    }
    sites = {}
    for name, handle in standin.sites.items():
        sites[name] = Site.objects.create(
            name=name,
            base_url=handle.url,
            client_id="portal",
            time_zone="UTC",
            flavour="deployed",
            capabilities={"vocabulary": vocabulary},
        )
    people = {}
    for username, names in {
        "many": [f"s{i:02d}" for i in range(1, SMALL_SITES + 1)],
        "one": ["s01"],
        "big": ["big"],
    }.items():
        user = User.objects.create_user(username, password=PASSWORD)
        Profile.objects.create(user=user, role=Profile.Role.MEMBER)
        for name in names:
            SiteGrant.objects.create(site=sites[name], user=user)
            connection_by_password(
                user=user, site=sites[name], site_user=f"sales1@{name}.test", password=PASSWORD
            )
        people[username] = user
    return {"sites": sites, "people": people}


OTHER_KINDS_EACH = 2
OTHER_KINDS_TASKS = 60


def other_kinds(user, stack) -> None:
    """Django-CRM and EspoCRM stand-ins granted to ``user``, connected as the other kinds
    connect (a personal access token; a user name and password), each with open tasks."""
    from datetime import date, timedelta

    from portal.sites.models import Connection, Site, SiteGrant
    from portal.sites.services.connect import connection_by_site_login
    from standin.djangocrm import DjangoCrmSite
    from standin.espocrm import EspoCrmSite

    today = date.today()
    for i in range(OTHER_KINDS_EACH):
        crm = stack.enter_context(DjangoCrmSite(users=["sales1@d.test"], admins=["sales1@d.test"]))
        for n in range(OTHER_KINDS_TASKS):
            crm.insert(title=f"Django-CRM task {n}", due=today + timedelta(days=n % 7 - 3),
                       assignees=["sales1@d.test"])  # fmt: skip
        site = Site.objects.create(
            name=f"d{i}",
            backend=Site.Backend.DJANGOCRM,
            base_url=crm.url,
            organisation=crm.org_id,
            time_zone="UTC",
        )
        SiteGrant.objects.create(site=site, user=user)
        Connection.objects.create(user=user, site=site, site_user_id="sales1@d.test",
                                  token={"kind": "pat", "access_token": crm.token_for(
                                      "sales1@d.test")})  # fmt: skip
        espo = stack.enter_context(EspoCrmSite())
        espo.add_user("sales1", PASSWORD, task_access="own")
        for n in range(OTHER_KINDS_TASKS):
            due = f"{today + timedelta(days=n % 7 - 3)} 12:00:00"
            espo.insert(name=f"EspoCRM task {n}", assigned_user="sales1", date_end=due)
        site = Site.objects.create(name=f"e{i}", backend=Site.Backend.ESPOCRM,
                                   base_url=espo.url, time_zone="UTC")  # fmt: skip
        SiteGrant.objects.create(site=site, user=user)
        connection_by_site_login(user=user, site=site, username="sales1", password=PASSWORD)


def page_timer(user) -> Callable[[str], float]:
    from django.test import Client

    client = Client()
    client.force_login(user)

    def load(url: str) -> float:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or b'class="card' in response.content:
            raise SystemExit(f"{url}: status {response.status_code} or a site failed")
        return elapsed

    return load


def median_of(runs: int, measure: Callable[[], float]) -> float:
    measure()  # warm-up: connection pools, templates, first token use
    return statistics.median(measure() for _ in range(runs))


def requests_logged(handle, mark: int) -> int:
    time.sleep(0.1)  # the stand-in logs a request just after answering it
    return len([e for e in handle.control.log(since=mark) if not e["path"].startswith("/_")])


def last_seq(handle) -> int:
    time.sleep(0.1)
    return max((e["seq"] for e in handle.control.log()), default=0)


def direct_read(connections) -> Callable[[], float]:
    """What the page reads from these sites, through the client alone: same credentials, the
    same two list requests per site, all at once as the page sends them."""
    from concurrent.futures import ThreadPoolExecutor

    from portal.sites.backends.base import TaskQuery
    from portal.sites.services.clients import backend_for_connection

    backends = [backend_for_connection(connection) for connection in connections]
    pool = ThreadPoolExecutor(2 * len(backends))

    def read() -> float:
        started = time.perf_counter()
        calls = []
        for backend in backends:
            today = backend.now().date()
            finished = backend.finished_statuses()
            calls += [
                (backend, TaskQuery(not_statuses=finished)),
                (backend, TaskQuery(date_from=today, date_to=today, statuses=finished)),
            ]
        list(pool.map(lambda call: call[0].search_all(call[1]), calls))
        return time.perf_counter() - started

    return read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (CI)")
    args = parser.parse_args()
    runs = 3 if args.quick else 7
    small_seed = 60 if args.quick else 150
    tmp = tempfile.mkdtemp(prefix="bench-inbox-")
    configure(tmp)

    from portal.sites.models import Connection
    from standin.testing import StandinProcess

    print(f"bench/inbox.py{' --quick' if args.quick else ''}: {runs} runs per figure (median)")
    with StandinProcess(standin_config(small_seed, 10_000), startup_timeout=120) as standin:
        world = portal_people(standin)
        people = world["people"]

        # 2. The portal's own cost, no latency.
        one = page_timer(people["one"])
        connections = Connection.objects.select_related("site")
        page = median_of(runs, lambda: one("/?scope=all"))
        direct = median_of(runs, direct_read(connections.filter(user=people["one"])))
        added_ms = (page - direct) * 1000

        # 1. Twenty sites with latency against one.
        for i in range(1, SMALL_SITES + 1):
            standin.sites[f"s{i:02d}"].control.set_faults([{"kind": "latency", "ms": LATENCY_MS}])
        many = page_timer(people["many"])
        single = median_of(runs, lambda: one("/?scope=all"))
        twenty = median_of(runs, lambda: many("/?scope=all"))
        floor = median_of(runs, direct_read(connections.filter(user=people["many"])))

        # 3. The filter page on a site with 10,000 tasks.
        big = page_timer(people["big"])
        handle = standin.sites["big"]
        figures = []
        for label, url in (
            ("no filter (all 10,000 tasks)", "/tasks/"),
            ("priority High, status open", "/tasks/?priority=High&status=open"),
        ):
            seconds = median_of(runs, lambda url=url: big(url))
            mark = last_seq(handle)
            big(url)
            figures.append((label, seconds, requests_logged(handle, mark)))

        # 4. The same person with sites of the other kinds too.
        with contextlib.ExitStack() as stack:
            other_kinds(people["many"], stack)
            mixed = median_of(runs, lambda: many("/?scope=all"))

    print()
    print(
        f"1. inbox page, {SMALL_SITES} sites with {LATENCY_MS} ms latency each: "
        f"{twenty * 1000:.0f} ms; one such site: {single * 1000:.0f} ms; "
        f"ratio {twenty / single:.2f} (aim <= 1.5; serial would be about {SMALL_SITES})"
    )
    print(
        f"   the same reads through the client alone, all {SMALL_SITES} sites at once: "
        f"{floor * 1000:.0f} ms (the stand-in serves every site from one process)"
    )
    print(
        f"2. one site without latency: page {page * 1000:.1f} ms, direct client read "
        f"{direct * 1000:.1f} ms: the portal adds {added_ms:.1f} ms (aim <= 20)"
    )
    for label, seconds, count in figures:
        print(
            f"3. filter page, site with 10,000 tasks, {label}: {seconds * 1000:.0f} ms, "
            f"{count} requests to the site"
        )
    others = OTHER_KINDS_EACH * 2
    print(
        f"4. inbox page, the {SMALL_SITES} sites of 1 and {others} sites of other kinds "
        f"({OTHER_KINDS_EACH} Django-CRM, {OTHER_KINDS_EACH} EspoCRM, no latency): "
        f"{mixed * 1000:.0f} ms; ratio to 1's page {mixed / twenty:.2f}"
    )


if __name__ == "__main__":
    main()
