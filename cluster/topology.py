"""Where the cluster's processes run, and how they are started, killed and cleaned up.

Isolated mode (root, with `ip netns`): each portal process (web1, web2, worker1, worker2, beat)
runs in a network namespace of its own, on a bridge, like a machine of its own on a LAN.
PostgreSQL, Redis, the stand-in sites, the webhook receiver and HAProxy stay on the host and
are reached at the bridge's address; HAProxy forwards PostgreSQL and Redis there too, since both
listen on loopback only. Loopback mode (no root): the same processes on 127.0.0.1, separate ports.

Every process is started in a session of its own, so a terminal's Ctrl-C reaches only the
script, which stops them; a kill takes the whole process group (gunicorn's master and its
workers, celery's main process and its pool), as a machine losing power would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

PREFIX = "pcc"  # portal cluster check: namespaces pcc-web1..., bridge pcc0
SUBNET = "10.213.13"
BRIDGE = f"{PREFIX}0"
# The last byte of each node's address in isolated mode.
HOSTS = {"web1": 11, "web2": 12, "worker1": 21, "worker2": 22, "beat": 31}
# Where HAProxy forwards PostgreSQL and Redis on the bridge (isolated mode only).
FORWARDED_POSTGRES_PORT = 15432
FORWARDED_REDIS_PORT = 16379
TEMPLATE = Path(__file__).with_name("haproxy.cfg.template")
# Every process a run starts, so that the next run can stop what a killed one left behind.
PIDS = Path(tempfile.gettempdir()) / "portal-cluster-check.pids"
OURS = (b"haproxy", b"standin", b"gunicorn", b"celery")


class TopologyError(RuntimeError):
    pass


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and done.returncode:
        raise TopologyError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


class Network:
    """Namespaces on a bridge (isolated), or plain loopback."""

    def __init__(self, *, isolated: bool) -> None:
        self.isolated = isolated
        self.host_ip = f"{SUBNET}.1" if isolated else "127.0.0.1"

    @classmethod
    def choose(cls, *, want_isolated: bool) -> tuple[Network, str]:
        """Isolated when asked for and possible; otherwise loopback, with the reason."""
        if not want_isolated:
            return cls(isolated=False), "asked for loopback"
        if os.geteuid() != 0 or not shutil.which("ip"):
            return cls(isolated=False), "network namespaces need root and iproute2"
        network = cls(isolated=True)
        try:
            network.setup()
        except TopologyError as error:
            network.teardown()
            return cls(isolated=False), f"network namespaces failed ({error})"
        return network, "one network namespace per process"

    def namespace(self, node: str) -> str:
        return f"{PREFIX}-{node}"

    def address(self, node: str) -> str:
        return f"{SUBNET}.{HOSTS[node]}" if self.isolated else "127.0.0.1"

    def wrap(self, node: str, argv: list[str]) -> list[str]:
        if not self.isolated:
            return argv
        return ["ip", "netns", "exec", self.namespace(node), *argv]

    def setup(self) -> None:
        self.teardown()  # what a killed earlier run left behind
        _ip("link", "add", BRIDGE, "type", "bridge")
        _ip("addr", "add", f"{self.host_ip}/24", "dev", BRIDGE)
        _ip("link", "set", BRIDGE, "up")
        for node in HOSTS:
            ns, host_end, ns_end = self.namespace(node), f"{PREFIX}-{node}-h", f"{PREFIX}-{node}-n"
            _ip("netns", "add", ns)
            _ip("link", "add", host_end, "type", "veth", "peer", "name", ns_end)
            _ip("link", "set", host_end, "master", BRIDGE, "up")
            _ip("link", "set", ns_end, "netns", ns)
            _ip("-n", ns, "addr", "add", f"{self.address(node)}/24", "dev", ns_end)
            _ip("-n", ns, "link", "set", ns_end, "up")
            _ip("-n", ns, "link", "set", "lo", "up")

    def pids(self, node: str) -> list[int]:
        if not self.isolated:
            return []
        done = _ip("netns", "pids", self.namespace(node), check=False)
        return [int(pid) for pid in done.stdout.split() if pid.isdigit()]

    def teardown(self) -> None:
        """Kills whatever still runs in our namespaces, then removes them and the bridge."""
        if os.geteuid() != 0 or not shutil.which("ip"):
            return
        listed = _ip("netns", "list", check=False).stdout.split("\n")
        for ns in [line.split()[0] for line in listed if line.startswith(f"{PREFIX}-")]:
            pids = _ip("netns", "pids", ns, check=False).stdout.split()
            for pid in pids:
                _signal(int(pid), signal.SIGKILL)
            _ip("netns", "del", ns, check=False)
        if _ip("link", "show", BRIDGE, check=False).returncode == 0:
            _ip("link", "del", BRIDGE, check=False)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def pid_record(pid: int) -> None:
    with PIDS.open("a") as pids:
        pids.write(f"{pid}\n")


def leftovers_kill() -> int:
    """Kills what an earlier run that was itself killed left running (HAProxy and the stand-in
    live outside the namespaces); returns how many. Only pids its file names whose command
    line is still one of ours."""
    if not PIDS.exists():
        return 0
    killed = 0
    for pid in {int(word) for word in PIDS.read_text().split() if word.isdigit()}:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if not any(word in command for word in OURS):
            continue
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
            killed += 1
        except ProcessLookupError:
            pass
    PIDS.unlink()
    return killed


@dataclass
class Node:
    name: str
    argv: list[str]
    address: str = "127.0.0.1"
    port: int = 0
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"

    def log(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")


class Processes:
    """Every process the check starts, so that each is stopped however the check ends."""

    def __init__(self, network: Network, workdir: Path) -> None:
        self.network = network
        self.workdir = workdir
        self.nodes: list[Node] = []

    def start(self, node: Node, *, cwd: Path) -> Node:
        node.log_path = self.workdir / f"{node.name}.log"
        argv = self.network.wrap(node.name, node.argv) if node.name in HOSTS else node.argv
        with node.log_path.open("wb") as log:
            node.process = subprocess.Popen(
                argv,
                cwd=cwd,
                env={**os.environ, **node.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        pid_record(node.process.pid)
        self.nodes.append(node)
        return node

    def node(self, name: str) -> Node | None:
        return next((node for node in self.nodes if node.name == name), None)

    def kill(self, node: Node) -> None:
        """SIGKILL: no shutdown, no acknowledgement, every process of the node at once."""
        if node.process is None:
            return
        try:
            os.killpg(node.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in self.network.pids(node.name) if node.name in HOSTS else []:
            _signal(pid, signal.SIGKILL)
        node.process.wait(timeout=20)

    def stop_all(self, timeout: float = 20.0) -> None:
        """SIGTERM to every process group still running, then SIGKILL what did not stop."""
        running = [n for n in self.nodes if n.process is not None and n.process.poll() is None]
        for node in running:
            try:
                os.killpg(node.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        for node in running:
            try:
                node.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for node in self.nodes:
            if node.process is None:
                continue
            try:
                os.killpg(node.process.pid, signal.SIGKILL)  # stragglers of the group too
            except (ProcessLookupError, PermissionError):
                pass
            for pid in self.network.pids(node.name) if node.name in HOSTS else []:
                _signal(pid, signal.SIGKILL)
            try:
                node.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


def haproxy_config(
    *,
    network: Network,
    lb_port: int,
    webs: list[Node],
    stats_socket: Path,
    postgres: tuple[str, int],
    redis: tuple[str, int],
) -> str:
    servers = "\n".join(f"    server {web.name} {web.address}:{web.port}" for web in webs)
    services = ""
    if network.isolated:
        forwards = (("postgres", FORWARDED_POSTGRES_PORT, postgres),
                    ("redis", FORWARDED_REDIS_PORT, redis))  # fmt: skip
        for name, outside, (host, port) in forwards:
            # Long idle connections (Celery's broker connections, kept database connections).
            services += (
                f"\nlisten {name}\n    mode tcp\n    option tcplog\n"
                f"    bind {network.host_ip}:{outside}\n"
                "    timeout client 1h\n    timeout server 1h\n"
                f"    server {name} {host}:{port}\n"
            )
    return Template(TEMPLATE.read_text()).substitute(
        lb_port=lb_port, servers=servers, services=services, stats_socket=stats_socket
    )
