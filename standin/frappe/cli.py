"""`python -m standin --config sites.json` or `python -m standin --demo`."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from standin.demo_state import StateFile
from standin.frappe.config import ConfigError, load, parse_document
from standin.frappe.demo import (
    DEFAULT_REDIRECT,
    demo_document,
    demo_restore,
    demo_state,
    demo_version,
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m standin", description=__doc__)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--config", help='JSON file {"sites": [...]} (keys in standin/README.md)')
    src.add_argument("--demo", action="store_true", help="two demo sites with data")
    p.add_argument("--port-base", type=int, default=8101, help="demo: first site port")
    p.add_argument(
        "--redirect-uri", default=DEFAULT_REDIRECT, help="demo: OAuth redirect URI of the portal"
    )
    p.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    p.add_argument(
        "--admin-port",
        type=int,
        default=None,
        help="admin/control port for all sites (default: any free port)",
    )
    p.add_argument("--ready-file", help="write {sites: {name: {url, port}}, admin_url} here")
    p.add_argument("--state-file", help="demo: keep the sites' tasks in this file across restarts")
    p.add_argument("--forbid-reads", help="audit: record any open() under this directory")
    p.add_argument("--audit-log", help="audit: append forbidden opens to this file")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.forbid_reads:
        from standin.audit import install

        install(args.forbid_reads, args.audit_log)
    from standin.frappe.server import AdminServer, SiteServer
    from standin.frappe.site import Site

    try:
        if args.demo:
            sites_cfg, process = parse_document(demo_document(args.port_base, args.redirect_uri))
        else:
            sites_cfg, process = load(args.config)
    except (ConfigError, OSError, ValueError, TypeError) as exc:
        print(f"standin: bad configuration: {exc}", file=sys.stderr)
        return 2
    if args.state_file and not args.demo:
        print("standin: --state-file is for --demo only", file=sys.stderr)
        return 2
    host = args.host or process["host"]
    sites, servers = {}, []
    kept = None
    if args.state_file:
        kept = StateFile(args.state_file, dump=lambda: demo_state(sites),
                         version=lambda: demo_version(sites))  # fmt: skip
    try:
        for cfg in sites_cfg:
            site = Site(cfg)
            sites[site.name] = site
        if kept is not None and (data := kept.load()) is not None:
            demo_restore(sites, data)
        for site in sites.values():
            cfg = site.config
            server = SiteServer(site, cfg.host if cfg.host != "127.0.0.1" else host, cfg.port)
            server.start()
            servers.append(server)
        admin_port = args.admin_port if args.admin_port is not None else process["admin_port"]
        admin = AdminServer(sites, host, admin_port)
        admin.start()
    except OSError as exc:
        print(f"standin: cannot listen: {exc}", file=sys.stderr)
        for server in servers:
            server.stop()
        return 3
    for server in servers:
        site = server.site
        print(
            f"standin: {site.name} ({site.flavour.name}, {site.clock.time_zone}, "
            f"{site.store.count()} tasks) at {server.url}",
            flush=True,
        )
    print(f"standin: control API for all sites at {admin.url}/_standin/sites", flush=True)
    if args.ready_file:
        ready = {
            "sites": {s.site.name: {"url": s.url, "port": s.port} for s in servers},
            "admin_url": admin.url,
            "pid": os.getpid(),
        }
        tmp = Path(args.ready_file + ".tmp")
        tmp.write_text(json.dumps(ready), encoding="utf-8")
        tmp.replace(args.ready_file)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        if kept is not None:
            kept.keep()
    for server in servers:
        server.stop()
        server.site.close()
    admin.stop()
    if kept is not None:
        kept.keep()
    print("standin: stopped", flush=True)
    return 0
