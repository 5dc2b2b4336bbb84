"""Helpers for tests and benchmarks: start stand-in sites and drive them.

    from standin.testing import StandinProcess

    with StandinProcess({"sites": [{"name": "a", "seed_size": 50}]}) as standin:
        site = standin.sites["a"]
        site.control.set_clock(now="2026-11-23T09:00:00Z")
        requests.get(site.url + "/api/method/frappe.auth.get_logged_user")
        assert site.control.log()[-1]["status"] == 403

`StandinProcess` runs `python -m standin` in a subprocess on free ports (what
portal tests in other worker processes need); `InProcessStandin` runs the same
servers in threads of the current process. Both expose `.sites[name]` with
`.url`, `.port`, `.control` (the site's own port) and `.admin` (the admin port,
which still answers while a site refuses connections). Standard library only.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


class StandinError(RuntimeError):
    pass


class ControlClient:
    """The `/_standin/` control API of one site."""

    def __init__(self, base: str, timeout: float = 30.0) -> None:
        self.base = base.rstrip("/")
        self.timeout = timeout

    def call(
        self, method: str, path: str, body: dict | None = None, query: dict | None = None
    ) -> dict:
        url = self.base + path + (("?" + urlencode(query)) if query else "")
        if not url.startswith("http://"):
            raise StandinError(f"not a stand-in URL: {url}")
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                return json.loads(resp.read().decode() or "{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise StandinError(f"{method} {path}: {exc.code} {detail}") from None

    # clock, log, faults
    def info(self) -> dict:
        return self.call("GET", "/info")

    def clock(self) -> dict:
        return self.call("GET", "/clock")

    def set_clock(
        self,
        mode: str | None = None,
        now: str | None = None,
        offset_seconds: float | None = None,
        advance_seconds: float | None = None,
    ) -> dict:
        body = {
            k: v
            for k, v in {
                "mode": mode,
                "now": now,
                "offset_seconds": offset_seconds,
                "advance_seconds": advance_seconds,
            }.items()
            if v is not None
        }
        return self.call("POST", "/clock", body)

    def log(self, since: int = 0) -> list[dict]:
        return self.call("GET", "/log", query={"since": since})["entries"]

    def clear_log(self) -> None:
        self.call("POST", "/log/clear", {})

    def set_faults(self, faults: list[dict]) -> dict:
        return self.call("POST", "/faults", {"faults": faults})

    def clear_faults(self) -> dict:
        return self.call("POST", "/faults/clear", {})

    def cost_model(self) -> dict:
        return self.call("GET", "/cost-model")

    def set_cost_model(self, enabled: bool | None = None, scale: float | None = None) -> dict:
        """What a real site's answers cost (standin/frappe/cost.py): on for benchmarks."""
        body = {k: v for k, v in {"enabled": enabled, "scale": scale}.items() if v is not None}
        return self.call("POST", "/cost-model", body)

    # tasks
    def task(self, name: int) -> dict | None:
        try:
            return self.call("GET", f"/tasks/{name}")
        except StandinError as exc:
            if " 404 " in str(exc):
                return None
            raise

    def tasks(self, **query) -> list[dict]:
        query = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in query.items()}
        return self.call("GET", "/tasks", query=query)["tasks"]

    def insert_tasks(
        self, tasks: list[dict], *, save_rules: bool = False, as_user: str | None = None
    ) -> list[int]:
        body = {"tasks": tasks, "save_rules": save_rules}
        if as_user:
            body["as_user"] = as_user
        return self.call("POST", "/tasks", body)["names"]

    def delete_task(self, name: int) -> None:
        self.call("DELETE", f"/tasks/{name}")

    def seed(self, size: int, seed: int = 1) -> list[int]:
        return self.call("POST", "/seed", {"size": size, "seed": seed})["names"]

    def run_late_switch(self) -> list[int]:
        return self.call("POST", "/late-switch/run", {})["switched"]

    def set_late_switch(self, enabled: bool, interval_seconds: float | None = None) -> dict:
        body = {"enabled": enabled}
        if interval_seconds is not None:
            body["interval_seconds"] = interval_seconds
        return self.call("POST", "/late-switch", body)

    # users, credentials, configuration
    def add_users(self, users: list[dict]) -> list[dict]:
        return self.call("POST", "/users", {"users": users})["users"]

    def api_keys(
        self, user: str, api_key: str | None = None, api_secret: str | None = None
    ) -> dict:
        body = {"api_key": api_key, "api_secret": api_secret} if api_key else {}
        return self.call("POST", f"/users/{quote(user)}/keys", body)

    def session(self, user: str) -> str:
        """A `sid` cookie value for `user`, without a password."""
        return self.call("POST", f"/users/{quote(user)}/session", {})["sid"]

    def add_oauth_clients(self, clients: list[dict]) -> list[dict]:
        return self.call("POST", "/oauth-clients", {"clients": clients})["clients"]

    def add_webhooks(self, webhooks: list[dict], replace: bool = False) -> list[dict]:
        return self.call("POST", "/webhooks", {"webhooks": webhooks, "replace": replace})[
            "webhooks"
        ]

    def webhook_deliveries(self) -> list[dict]:
        return self.call("GET", "/webhooks/deliveries")["deliveries"]

    def site_config(self, **changes) -> dict:
        if changes:
            return self.call("POST", "/site-config", changes)
        return self.call("GET", "/site-config")

    def reset(self) -> dict:
        return self.call("POST", "/reset", {})


@dataclass
class SiteHandle:
    name: str
    url: str
    port: int
    control: ControlClient
    admin: ControlClient


def _document(config) -> dict:
    if isinstance(config, list):
        return {"sites": config}
    if isinstance(config, dict) and "sites" not in config:
        return {"sites": [config]}
    return config


def _handles(ready: dict) -> dict[str, SiteHandle]:
    admin = ready["admin_url"]
    return {
        name: SiteHandle(
            name,
            info["url"],
            info["port"],
            ControlClient(info["url"] + "/_standin"),
            ControlClient(f"{admin}/_standin/sites/{quote(name)}"),
        )
        for name, info in ready["sites"].items()
    }


class StandinProcess:
    """`python -m standin` in a subprocess; a context manager."""

    def __init__(
        self,
        config,
        *,
        forbid_reads: str | None = None,
        startup_timeout: float = 30.0,
        python: str = sys.executable,
    ) -> None:
        self.document = _document(config)
        self.forbid_reads = forbid_reads
        self.startup_timeout = startup_timeout
        self.python = python
        self.sites: dict[str, SiteHandle] = {}
        self.admin_url = ""
        self.process: subprocess.Popen | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None

    @property
    def audit_log(self) -> Path:
        return Path(self._tmp.name) / "audit.log"

    @property
    def output(self) -> str:
        """What the process printed so far (stdout and stderr)."""
        path = Path(self._tmp.name) / "output.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def start(self) -> StandinProcess:
        self._tmp = tempfile.TemporaryDirectory(prefix="standin-")
        tmp = Path(self._tmp.name)
        config, ready = tmp / "sites.json", tmp / "ready.json"
        config.write_text(json.dumps(self.document), encoding="utf-8")
        cmd = [self.python, "-m", "standin", "--config", str(config), "--ready-file", str(ready)]
        if self.forbid_reads:
            cmd += ["--forbid-reads", self.forbid_reads, "--audit-log", str(self.audit_log)]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(PACKAGE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }
        out = open(tmp / "output.log", "wb")  # closed in stop()
        self._out = out
        self.process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(PACKAGE_ROOT)
        )
        deadline = time.monotonic() + self.startup_timeout
        while not ready.exists():
            if self.process.poll() is not None:
                self.stop()
                raise StandinError(
                    f"stand-in exited with {self.process.returncode}: "
                    f"{(tmp / 'output.log').read_text(errors='replace')}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise StandinError("stand-in did not start in time")
            time.sleep(0.02)
        info = json.loads(ready.read_text(encoding="utf-8"))
        self.sites, self.admin_url = _handles(info), info["admin_url"]
        return self

    def stop(self) -> int | None:
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            code = self.process.returncode
        if getattr(self, "_out", None):
            self._out.close()
        return code

    def cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> StandinProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.cleanup()


class InProcessStandin:
    """The same servers in threads of this process: quick to start in unit tests."""

    def __init__(self, config) -> None:
        self.document = _document(config)
        self.sites: dict[str, SiteHandle] = {}
        self.admin_url = ""
        self._servers: list = []
        self._admin = None

    def start(self) -> InProcessStandin:
        from standin.frappe.config import parse_document
        from standin.frappe.server import AdminServer, SiteServer
        from standin.frappe.site import Site

        site_cfgs, process = parse_document(self.document)
        by_name = {}
        for cfg in site_cfgs:
            server = SiteServer(Site(cfg), cfg.host, cfg.port)
            server.start()
            self._servers.append(server)
            by_name[cfg.name] = server.site
        self._admin = AdminServer(by_name, process["host"], process["admin_port"])
        self._admin.start()
        ready = {
            "admin_url": self._admin.url,
            "sites": {s.site.name: {"url": s.url, "port": s.port} for s in self._servers},
        }
        self.sites, self.admin_url = _handles(ready), self._admin.url
        return self

    def site_object(self, name: str):
        """The live `Site` (in-process only), for white-box assertions."""
        return next(s.site for s in self._servers if s.site.name == name)

    def stop(self) -> None:
        for server in self._servers:
            server.stop()
            server.site.close()
        if self._admin is not None:
            self._admin.stop()

    def __enter__(self) -> InProcessStandin:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
