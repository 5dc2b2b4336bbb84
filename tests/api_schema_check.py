"""Schemathesis against the live API: no 5xx and no answer outside its schema.

What it starts, on a throw-away SQLite database: the stand-in Frappe sites the tests use (one
process, three flavours), registered and connected as the tests do it (``tests.standin_sites``);
a portal admin connected to all three, with a write token; the web server exactly as
``manage.py runstack`` starts it (gunicorn, gevent). Then it fetches the schema with the token
and runs ``schemathesis run`` with the checks ``not_a_server_error`` and
``response_schema_conformance`` on every operation. ``make api-check``; about a minute.

Options: ``--max-examples N`` (per operation, default 15), ``--seed N``, ``--postgres URL``
(a database made afresh at that URL, dropped first if it exists; CI uses it). Schemathesis sends
one request at a time: with two worker threads, Hypothesis parsing its strategies' sources in both
at once met CPython 3.11's AST recursion-depth bug (python/cpython#106905, "AST constructor
recursion depth mismatch") and failed a run that had found nothing; and on SQLite two web
processes writing at once can meet SQLite's lock in an ``INSERT … RETURNING``, which
``portal.sqlite_green`` does not wait for.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
CHECKS = "not_a_server_error,response_schema_conformance"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal_env(tmp: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_DATA_DIR": str(tmp),
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The check asks many times a second; the limit itself is tested (tests/unit/api).
        "API_RATE_PER_MINUTE": "1000000",
    }


def fresh_postgres(url: str) -> None:
    """Drops and creates the database ``url`` names (connecting to its server's ``postgres``)."""
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def configure(tmp: Path, database_url: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    for name in ("DATABASE_URL", "REDIS_URL", "PORTAL_CLOCK_FILE"):
        os.environ.pop(name, None)
    os.environ.update(portal_env(tmp))
    if database_url:
        fresh_postgres(database_url)
        os.environ["DATABASE_URL"] = database_url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def person_with_token(standin) -> tuple[str, dict]:
    """A portal admin connected to every stand-in site as sales1; their new write token, and
    ids the check may use in paths (sites, some of their tasks, a bulk job)."""
    from django.contrib.auth.models import User

    from portal.api.tokens import token_create
    from portal.sites.models import Profile
    from portal.tasks_ui.services.bulk import bulk_start
    from tests.standin_sites import SITES, connect_user, register_site, user_id

    user = User.objects.create_user("api-check", password="Api-Check-2026!")
    Profile.objects.create(user=user, role=Profile.Role.ADMIN)
    sites, tasks = [], []
    for name, zone in (("riyadh", "Asia/Riyadh"), ("cairo", "Africa/Cairo"), ("plainsite", "UTC")):
        site = register_site(standin.sites[name], time_zone=zone)
        connect_user(user=user, site=site, as_user=user_id(name, "sales1"))
        sites.append(site.pk)
        first = SITES[name][3]
        tasks += [str(first + n) for n in range(15)]
    job = bulk_start(user=user, action="status", status="done", pairs=[(sites[0], tasks[0])])
    ids = {"site_id": sites, "task_id": tasks, "job_id": [job]}
    return token_create(user=user, name="api-check", scope="write").secret, ids


def with_known_ids(schema: dict, ids: dict) -> dict:
    """The schema with its path parameters narrowed to ids that exist (a random site id is
    always a 404, which tests nothing behind it). The answers are checked against the same
    response schemas: only what is asked changes."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in ids:
                    parameter["schema"] = {**parameter["schema"], "enum": ids[parameter["name"]]}
                    parameter["schema"].pop("pattern", None)
    return schema


class WebServer:
    def __init__(self, tmp: Path) -> None:
        from portal.ops.management.commands.runstack import gunicorn_argv

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.argv = gunicorn_argv(host="127.0.0.1", port=self.port, workers=2)
        self.env = {**os.environ, **portal_env(tmp)}
        self.log = tmp / "gunicorn.log"

    def __enter__(self) -> WebServer:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("gunicorn exited:\n" + self.log.read_text()[-3000:])
            try:
                if requests.get(self.url + "/healthz", timeout=5).status_code in (200, 503):
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /healthz")

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group this server started
                self.process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=15)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--postgres", metavar="URL", default=None)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="api-check-") as name:
        tmp = Path(name)
        configure(tmp, args.postgres)
        from portal.sites.models import Site
        from standin.testing import StandinProcess
        from tests.standin_sites import standin_config

        with StandinProcess(standin_config(Site.redirect_uri())) as standin:
            secret, ids = person_with_token(standin)
            with WebServer(tmp) as web:
                header = {"Authorization": f"Bearer {secret}"}
                schema = requests.get(
                    web.url + "/api/v1/schema/?format=json", headers=header, timeout=60
                )
                schema.raise_for_status()
                operations = sum(len(p) for p in schema.json()["paths"].values())
                narrowed = with_known_ids(schema.json(), ids)
                (tmp / "schema.json").write_text(json.dumps(narrowed))
                command = [
                    sys.executable, "-m", "schemathesis.cli", "run", str(tmp / "schema.json"),
                    "--url", web.url, "--header", f"Authorization: Bearer {secret}",
                    "--checks", CHECKS, "--max-examples", str(args.max_examples),
                    "--workers", "1",
                    "--request-timeout", "30", "--no-shrink",
                    "--output-sanitize", "true",
                ]  # fmt: skip
                if args.seed is not None:
                    command += ["--seed", str(args.seed)]
                print(f"schemathesis: {operations} operations, checks {CHECKS}", flush=True)
                result = subprocess.run(command, cwd=tmp, env={**os.environ, "NO_COLOR": "1"})
                server_log = web.log.read_text(errors="replace")
        if "Traceback" in server_log or result.returncode:
            kept = ROOT / "var" / "api-check-server.log"
            kept.parent.mkdir(exist_ok=True)
            kept.write_text(server_log)
            print(f"the web server's log is kept in {kept}")
        if "Traceback" in server_log:
            print("the web server logged a traceback:\n" + server_log[-4000:])
            return 1
    print(f"api-check: {time.monotonic() - started:.0f} s, schemathesis exit {result.returncode}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
