"""`make cluster-check` (`python -m cluster.check`): the portal as a cluster on PostgreSQL and
Redis, with processes killed under it.

Two web processes (gunicorn, started as `manage.py runstack` starts it), two Celery workers and
one beat, each with its own PORTAL_DATA_DIR and, as root, its own network namespace
(cluster/topology.py), behind HAProxy (cluster/haproxy.cfg.template); two stand-in Frappe sites
and a signed-webhook receiver on the host. Then:

1. reminders (cluster/reminders.py): a scan plans N deliveries; the worker that sends the first
   is killed with SIGKILL; all N must arrive, none twice;
2. bulk (cluster/bulk.py): a bulk status change through the load balancer; the web process that
   took it is killed with SIGKILL; the job must finish, its page served by the other;
3. pages (cluster/pages.py): all along, /healthz and a logged-in page through the load balancer
   must answer 200.

Prints progress lines, then exactly one summary line,
`cluster: N of N deliveries, 0 duplicates, bulk job finished after web kill: yes`, and exits
non-zero when a delivery is lost or duplicated, the bulk job does not finish, a page fails or
the cluster does not come up. It uses only the database `portal_cluster` (dropped and created
again) and Redis database 13 (flushed), so it can share servers with others, and stops every
process it started however it ends (Ctrl-C included). Logs stay in /tmp/portal-cluster-check.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
import requests
from cryptography.fernet import Fernet

from cluster.topology import (
    FORWARDED_POSTGRES_PORT,
    FORWARDED_REDIS_PORT,
    PIDS,
    Network,
    Node,
    Processes,
    haproxy_config,
    leftovers_kill,
    pid_record,
)

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "portal_cluster"
REDIS_DB = 13
WORKDIR = Path(tempfile.gettempdir()) / "portal-cluster-check"
LOCK = Path(tempfile.gettempdir()) / "portal-cluster-check.lock"
READY_TIMEOUT = 180.0
HOOK_HOLD_SECONDS = 0.3
# Settings of every portal process: the sweeper runs every 2 s and a claim lasts 10 s (the
# least allowed), so work a killed worker held is given back within seconds; beat's own scan
# waits a day, so the only scan is the one the check starts.
PORTAL_SETTINGS = {
    "NOTIFY_SWEEP_INTERVAL_SECONDS": "2",
    "NOTIFY_CLAIM_SECONDS": "10",
    "NOTIFY_RETRY_BASE_SECONDS": "2",
    "NOTIFY_SCAN_INTERVAL_MINUTES": "1440",
    "HEARTBEAT_INTERVAL_SECONDS": "5",
    # One inbox page holds every task of the bulk job, so "select all on this page" takes them.
    "INBOX_PAGE_SIZE": "200",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "PYTHONUNBUFFERED": "1",
}


def say(line: str) -> None:
    print(f"cluster-check: {line}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_reset(server: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")


def redis_flush(server: str) -> None:
    client = redis.Redis.from_url(f"{server}/{REDIS_DB}")
    try:
        client.flushdb()  # this database only: others use the server's other ones
    finally:
        client.close()


def _credentials(url: str) -> str:
    """The "user:password@" of a server URL, or nothing."""
    userinfo = urlsplit(url).netloc.rpartition("@")[0]
    return f"{userinfo}@" if userinfo else ""


def host_port(url: str, default: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default


class Check:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.network: Network | None = None
        self.processes: Processes | None = None
        self.standin = None
        self.receiver = None
        self.poller = None
        self.reminders = None
        self.bulk = None
        self.expected = args.overdue * 2
        self.timings: dict[str, float] = {}
        self.failed = False

    # --- the run ---------------------------------------------------------------------------

    def run(self) -> None:
        began = time.monotonic()
        base_url, token, seeded, handles, bulk_ids = self._start()
        self.timings["start-up"] = time.monotonic() - began

        from cluster.bulk import bulk_run
        from cluster.pages import PagePoller, portal_login
        from cluster.reminders import reminders_run

        session = portal_login(base_url, username=seeded.username, password=seeded.password)
        watcher = portal_login(base_url, username=seeded.username, password=seeded.password)
        self.poller = PagePoller(base_url, watcher).start()

        began = time.monotonic()
        self.reminders = reminders_run(
            cluster=self.processes, receiver=self.receiver, rule=seeded.rule,
            expected=self.expected, say=say,
        )  # fmt: skip
        self.timings["reminders"] = time.monotonic() - began

        began = time.monotonic()
        self.bulk = bulk_run(
            base_url=base_url, session=session, cluster=self.processes, sites=seeded.sites,
            handles=handles, task_ids=bulk_ids, say=say,
        )  # fmt: skip
        self.timings["bulk"] = time.monotonic() - began
        self.poller.stop()
        self._report_pages()
        say("load balancer: " + self._backend_states())

    def _start(self):
        """Fresh database and Redis database, HAProxy, the portal's processes, the stand-in
        sites with their tasks, the portal's data; returns once every process is ready."""
        if leftovers := leftovers_kill():
            say(f"stopped {leftovers} processes an interrupted earlier run left behind")
        shutil.rmtree(WORKDIR, ignore_errors=True)
        WORKDIR.mkdir(parents=True)
        self.network, why = Network.choose(want_isolated=not self.args.loopback)
        say(f"network: {why}" + ("" if self.network.isolated else " (separate ports)"))
        self.processes = Processes(self.network, WORKDIR)
        base_url = f"http://127.0.0.1:{free_port()}"
        token = secrets.token_urlsafe(24)
        database_reset(self.args.postgres)
        redis_flush(self.args.redis)
        inside = self._environment(base_url, token)
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if migrate.returncode:
            raise RuntimeError(f"migrate failed:\n{migrate.stdout}{migrate.stderr}")
        import django

        django.setup()
        nodes = self._nodes(inside)
        self._haproxy(urlsplit(base_url).port, [n for n in nodes if n.name.startswith("web")])
        for node in nodes:
            self.processes.start(node, cwd=ROOT)
        where = [f"{n.name} ({n.address}{f':{n.port}' if n.port else ''})" for n in nodes]
        say(f"started {', '.join(where)} behind HAProxy at {base_url}")
        seeded, handles, bulk_ids = self._sites_and_data(base_url)
        self._wait_ready(nodes, base_url, token)
        return base_url, token, seeded, handles, bulk_ids

    def _environment(self, base_url: str, token: str) -> dict[str, str]:
        """Sets this process's environment (migrations, seeding and ledger reads talk to the
        servers directly) and returns what differs for the portal's processes: in their
        namespaces they reach the servers through HAProxy's forwards on the bridge."""
        os.environ.pop("PORTAL_CLOCK_FILE", None)
        os.environ.update(
            PORTAL_SETTINGS,
            PORTAL_BASE_URL=base_url,
            SECRET_KEY=secrets.token_urlsafe(50),
            PORTAL_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
            HEALTHZ_TOKEN=token,
            DJANGO_SETTINGS_MODULE="portal.settings",
            DATABASE_URL=f"{self.args.postgres}/{DATABASE}",
            REDIS_URL=f"{self.args.redis}/{REDIS_DB}",
            PORTAL_DATA_DIR=str(WORKDIR / "script"),
        )
        if not self.network.isolated:
            return {}
        host = self.network.host_ip
        postgres = f"{_credentials(self.args.postgres)}{host}:{FORWARDED_POSTGRES_PORT}"
        redis_server = f"{_credentials(self.args.redis)}{host}:{FORWARDED_REDIS_PORT}"
        return {
            "DATABASE_URL": f"postgres://{postgres}/{DATABASE}",
            "REDIS_URL": f"redis://{redis_server}/{REDIS_DB}",
        }

    def _nodes(self, inside: dict[str, str]) -> list[Node]:
        from portal.ops.management.commands.runstack import GUNICORN_CONFIG

        python, network = sys.executable, self.network
        nodes = []
        for name in ("web1", "web2"):
            address = network.address(name)
            port = 8000 if network.isolated else free_port()
            # As `manage.py runstack` starts it (portal/ops/management/commands/runstack.py).
            argv = [python, "-m", "gunicorn", "portal.wsgi", "-c", GUNICORN_CONFIG,
                    "--bind", f"{address}:{port}", "--workers", "2", "--timeout", "60"]  # fmt: skip
            nodes.append(Node(name, argv, address, port))
        for name in ("worker1", "worker2"):
            # runstack's worker, with a node name of its own (two workers on one host name).
            argv = [python, "-m", "celery", "-A", "portal", "worker", "--loglevel", "INFO",
                    "--concurrency", "2", "--hostname", f"{name}@%h"]  # fmt: skip
            nodes.append(Node(name, argv, network.address(name)))
        argv = [python, "-m", "celery", "-A", "portal", "beat", "--loglevel", "INFO"]
        nodes.append(Node("beat", argv, network.address("beat")))
        for node in nodes:
            data_dir = WORKDIR / node.name
            data_dir.mkdir()
            node.env = {**inside, "PORTAL_DATA_DIR": str(data_dir)}
        return nodes

    def _haproxy(self, lb_port: int, webs: list[Node]) -> None:
        if not shutil.which("haproxy"):
            raise RuntimeError("haproxy is not installed (make cluster-check installs it)")
        config = WORKDIR / "haproxy.cfg"
        config.write_text(
            haproxy_config(
                network=self.network,
                lb_port=lb_port,
                webs=webs,
                stats_socket=WORKDIR / "haproxy.sock",
                postgres=host_port(self.args.postgres, 5432),
                redis=host_port(self.args.redis, 6379),
            )
        )
        checked = subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], capture_output=True)
        if checked.returncode:
            raise RuntimeError(f"haproxy.cfg: {checked.stdout.decode()}{checked.stderr.decode()}")
        self.processes.start(Node("haproxy", ["haproxy", "-db", "-f", str(config)]), cwd=WORKDIR)

    def _sites_and_data(self, base_url: str):
        from cluster.portal_data import portal_seed, standin_config, tasks_seed
        from cluster.receiver import Receiver
        from standin.testing import StandinProcess

        host = self.network.host_ip
        hook_secret = secrets.token_urlsafe(16)
        self.receiver = Receiver(
            host=host, secret=hook_secret, hold_seconds=HOOK_HOLD_SECONDS
        ).start()
        config = standin_config(host=host, redirect_uri=f"{base_url}/sites/oauth/callback/")
        self.standin = StandinProcess(config).start()
        pid_record(self.standin.process.pid)
        handles = self.standin.sites
        bulk_ids = {}
        for name, handle in handles.items():
            _overdue, bulk_ids[name] = tasks_seed(
                handle, overdue=self.args.overdue, later=self.args.bulk
            )
        seeded = portal_seed(handles=handles, hook_url=self.receiver.url, hook_secret=hook_secret)
        say(
            f"stand-in sites {', '.join(h.url for h in handles.values())}: "
            f"{self.args.overdue} overdue and {self.args.bulk} later tasks each; "
            f"webhook receiver at {self.receiver.url}"
        )
        return seeded, handles, bulk_ids

    def _wait_ready(self, nodes: list[Node], base_url: str, token: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        waiting = list(nodes)
        while waiting:
            for node in list(waiting):
                if node.process.poll() is not None:
                    raise RuntimeError(f"{node.name} exited:\n{node.log()[-3000:]}")
                if _node_ready(node):
                    waiting.remove(node)
            if time.monotonic() > deadline:
                names = ", ".join(node.name for node in waiting)
                raise RuntimeError(f"not ready after {READY_TIMEOUT:.0f} s: {names}")
            time.sleep(0.3)
        # Through the load balancer: both backends answering, and a heartbeat that beat sent
        # and a worker recorded (strict).
        seen: set[str] = set()
        while time.monotonic() < deadline:
            try:
                answer = requests.get(
                    f"{base_url}/healthz?strict=1",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=5,
                )
                if answer.status_code == 200 and answer.json()["heartbeat"]["fresh"]:
                    seen.add(answer.headers.get("X-Portal-Backend", ""))
            except (requests.RequestException, ValueError, KeyError):
                pass
            if {"web1", "web2"} <= seen:
                say("ready: both web processes behind the load balancer, heartbeat fresh")
                return
            time.sleep(0.3)
        raise RuntimeError(f"the load balancer did not show both backends healthy ({seen})")

    # --- reports ---------------------------------------------------------------------------

    def _report_pages(self) -> None:
        poller = self.poller
        backends = ", ".join(f"{name} {n}" for name, n in sorted(poller.backends.items()))
        say(
            f"pages: {poller.answers} answers to /healthz and the inbox through the load "
            f"balancer during both kills ({backends}), {len(poller.failures)} failed"
        )
        for failure in poller.failures[:10]:
            say(f"pages: failed {failure.path}: {failure.what}")
        retried, redispatched = haproxy_retries((WORKDIR / "haproxy.log").read_text())
        say(
            f"load balancer: {retried} requests tried again after a failed attempt, "
            f"{redispatched} of them on the other backend"
        )

    def _backend_states(self) -> str:
        """HAProxy's own view of the backends (its stats socket)."""
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(2)
                sock.connect(str(WORKDIR / "haproxy.sock"))
                sock.sendall(b"show stat\n")
                text = b""
                while chunk := sock.recv(65536):
                    text += chunk
        except OSError as error:
            return f"stats unavailable ({error})"
        states = []
        for line in text.decode().splitlines():
            fields = line.split(",")
            if len(fields) > 17 and fields[0] == "webs" and fields[1].startswith("web"):
                states.append(f"{fields[1]} {fields[17]}")
        return ", ".join(states)

    @property
    def ok(self) -> bool:
        return (
            not self.failed
            and self.reminders is not None
            and self.reminders.ok
            and self.bulk is not None
            and self.bulk.ok
            and self.poller is not None
            and not self.poller.failures
        )

    def summary(self) -> str:
        delivered = self.reminders.delivered if self.reminders else 0
        duplicates = self.reminders.duplicates if self.reminders else 0
        bulk = "yes" if self.bulk is not None and self.bulk.ok else "no"
        return (
            f"cluster: {delivered} of {self.expected} deliveries, {duplicates} duplicates, "
            f"bulk job finished after web kill: {bulk}"
        )

    def cleanup(self) -> None:
        """Every step runs even when one before it fails."""
        steps = []
        if self.poller is not None:
            steps.append(self.poller.stop)
        if self.processes is not None:
            steps.append(self.processes.stop_all)
        if self.standin is not None:
            steps += [self.standin.stop, self.standin.cleanup]
        if self.receiver is not None:
            steps.append(self.receiver.stop)
        if self.network is not None and self.network.isolated:
            steps.append(self.network.teardown)
        steps.append(lambda: redis_flush(self.args.redis))
        steps.append(lambda: PIDS.unlink(missing_ok=True))
        for step in steps:
            try:
                step()
            except Exception as error:  # noqa: BLE001 - go on with the rest
                say(f"cleanup: {type(error).__name__}: {error}")


# HAProxy's HTTP log line: "... portal webs/web1 Tq/Tw/Tc/Tr/Ta status bytes - - ----
# actconn/feconn/beconn/srv_conn/retries ..."; retries is "+N" when the request was redispatched.
_RETRIES = re.compile(r" portal webs/\S+ .*? \d+/\d+/\d+/\d+/(\+?)(\d+) ")


def haproxy_retries(log: str) -> tuple[int, int]:
    retried = redispatched = 0
    for plus, count in _RETRIES.findall(log):
        if int(count):
            retried += 1
            redispatched += bool(plus)
    return retried, redispatched


def _node_ready(node: Node) -> bool:
    if node.port:
        try:
            # The public host name: ALLOWED_HOSTS lists it, not the node's address.
            answer = requests.get(f"{node.url}/healthz", headers={"Host": "127.0.0.1"}, timeout=2)
            return answer.status_code == 200
        except requests.RequestException:
            return False
    marker = " ready." if node.name.startswith("worker") else "beat: Starting..."
    return marker in node.log()


def _interrupted(signum, _frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432",
        help="the PostgreSQL server (the check uses its database portal_cluster)",
    )
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379",
        help="the Redis server (the check uses its database 13)",
    )
    parser.add_argument(
        "--loopback", action="store_true", help="no network namespaces: every process on 127.0.0.1"
    )
    parser.add_argument("--overdue", type=int, default=20, help="overdue tasks per site")
    parser.add_argument(
        "--bulk",
        type=int,
        default=60,
        choices=range(1, 101),
        metavar="1-100",
        help="tasks per site in the bulk job",
    )
    args = parser.parse_args(argv)  # fmt: skip
    args.postgres, args.redis = args.postgres.rstrip("/"), args.redis.rstrip("/")
    check = Check(args)
    lock = LOCK.open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        say("another cluster check is running on this machine")
        print(check.summary())
        return 1
    # Also when started with SIGINT ignored (in the background of a shell script).
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    began = time.monotonic()
    try:
        check.run()
    except KeyboardInterrupt:
        check.failed = True
        say("interrupted: stopping everything")
    except Exception as error:  # noqa: BLE001 - every failure still ends with the summary
        check.failed = True
        say(f"failed: {error}")
        if WORKDIR.is_dir():
            (WORKDIR / "traceback.txt").write_text(traceback.format_exc())
    finally:
        # A second Ctrl-C or SIGTERM must not cut the cleanup short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        check.cleanup()
    parts = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in check.timings.items())
    say(f"took {time.monotonic() - began:.0f} s" + (f" ({parts})" if parts else "")
        + f"; logs in {WORKDIR}")  # fmt: skip
    print(check.summary(), flush=True)
    return 0 if check.ok else 1


if __name__ == "__main__":
    sys.exit(main())
