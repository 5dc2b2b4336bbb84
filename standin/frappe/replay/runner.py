"""Replays the recordings against a fresh stand-in and prints the figure
`reproduced N of M recordings (F applied as fixtures, P pending)`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from standin.frappe.replay import fixtures, properties
from standin.frappe.replay.compare import compare
from standin.frappe.replay.deliveries import check_deliveries
from standin.frappe.replay.recordings import (
    Recording,
    build_request,
    default_dir,
    load,
    load_deliveries,
)
from standin.replay.capture import CaptureServer
from standin.replay.compare import Mismatch
from standin.replay.recordings import Substitutions, send
from standin.testing import StandinProcess

SITE = "crm.localhost"  # the recorded site's name [113]
ISSUED = ("access_token", "refresh_token", "id_token", "api_secret", "api_key")


@dataclass
class Report:
    total: int = 0
    reproduced: list[str] = field(default_factory=list)
    fixtures: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    excluded: list[tuple[str, str]] = field(default_factory=list)
    failed: dict[str, list[Mismatch]] = field(default_factory=dict)
    audit: str = ""

    @property
    def figure(self) -> str:
        return (
            f"reproduced {len(self.reproduced)} of {self.total} recordings "
            f"({len(self.fixtures)} applied as fixtures, {len(self.pending)} pending)"
        )

    @property
    def ok(self) -> bool:
        return not self.failed and not self.audit


def site_config(flavour: str) -> dict:
    """A fresh site as replay.json's `order` rule says."""
    return {
        "sites": [
            {
                "name": SITE,
                "flavour": flavour,
                "time_zone": "UTC",
                "first_task_id": 16,
                "seed_size": 0,
                "admin_password": "admin",
                "clock": {"mode": "frozen"},
                "webhook_retry_delays": [0.2, 0.5],
            }
        ]
    }


class Context:
    def __init__(self, site, deliveries: list[dict], capture=None) -> None:
        self.site, self.control = site, site.admin
        self.subs = Substitutions()
        self.sessions: dict[str, str] = {}
        self.current_sid: str | None = None
        self.recs: dict[str, Recording] = {}
        self.deliveries = deliveries
        self.capture = capture

    def capture_url(self, recorded_url: str) -> str:
        return self.capture.url if self.capture else recorded_url

    def sid_for(self, rec: Recording) -> str | None:
        who = rec.rule.get("session")
        return self.sessions.get(who.lower()) if who else self.current_sid

    def request(self, rec: Recording, body_override: dict | None = None):
        method, path, query, headers, body = build_request(rec, self.subs, self.sid_for(rec))
        if body_override is not None:
            body = json.dumps({**rec.request["body"], **body_override}).encode()
        return send(self.site.url, method, path, query, headers, body)

    def side_request(self, number: str, overrides: dict | None = None) -> None:
        """A request INDEX.md says was made but not recorded (an interlude)."""
        self.request(self.recs[number], overrides)

    def learn(self, rec: Recording, live) -> None:
        """Capture issued values and sessions from a live answer."""
        exp = rec.response["body"]
        got = live.json()
        _walk_issued(exp, got, self.subs)
        exp_loc = (rec.response.get("headers") or {}).get("location") or ""
        if "code=" in exp_loc and live.location and "code=" in live.location:
            self.subs.add(_param(exp_loc, "code"), _param(live.location, "code"))
        if rec.request["path"] == "/api/method/login" and live.status == 200:
            sid = live.cookies.get("sid")
            usr = str((rec.request.get("body") or {}).get("usr", "")).lower()
            self.sessions[usr] = sid
            self.current_sid = sid


def _param(url: str, name: str) -> str:
    return (parse_qs(urlsplit(url).query).get(name) or [""])[0]


def _walk_issued(exp, got, subs: Substitutions) -> None:
    if isinstance(exp, dict) and isinstance(got, dict):
        for key, value in exp.items():
            if key in ISSUED:
                subs.add(value, got.get(key))
            elif key in got:
                _walk_issued(value, got[key], subs)


def replay(
    directory: Path,
    *,
    flavour: str = "deployed",
    part: int = 2,
    only: str | None = None,
    log=print,
    verbose: bool = False,
) -> Report:
    rules, recs = load(directory)
    ignore = set(rules["rules"]["ignore_always"])
    report = Report(total=len(recs) if only is None else sum(r.number == only for r in recs))
    capture = CaptureServer().start() if part >= 2 else None
    try:
        with StandinProcess(site_config(flavour), forbid_reads=str(directory)) as proc:
            ctx = Context(proc.sites[SITE], load_deliveries(directory), capture)
            ctx.recs = {r.number: r for r in recs}
            for rec in recs:
                _replay_one(rec, ctx, report, part=part, only=only, ignore=ignore)
                if verbose and (only is None or rec.number == only):
                    log(f"{rec.file}: {_state(report, rec.file)}")
                if only is not None and rec.number == only:
                    break
            proc.stop()
            report.audit = proc.audit_log.read_text() if proc.audit_log.exists() else ""
    finally:
        if capture is not None:
            capture.stop()
    return report


def _state(report: Report, file: str) -> str:
    for name, items in (
        ("reproduced", report.reproduced),
        ("fixture", report.fixtures),
        ("pending", report.pending),
    ):
        if file in items:
            return name
    return "MISMATCH" if file in report.failed else "excluded"


def _replay_one(
    rec: Recording, ctx: Context, report: Report, *, part: int, only: str | None, ignore: set[str]
) -> None:
    counted = only is None or rec.number == only
    fixtures.interlude_before(rec.number, ctx)
    kind = rec.rule["kind"]
    ctx.control.set_clock(now=rec.recorded_at)
    if rec.rule["part"] > part:
        if "part1_effect" in rec.rule and rec.number == "129":
            # "apply the same create as sales1 by other means": a session of its own.
            sid = ctx.control.call("POST", "/users/sales1@lab.local/session", {})["sid"]
            _, path, query, headers, body = build_request(rec, ctx.subs, sid)
            headers.pop("Authorization", None)
            headers["Cookie"] = f"sid={sid}"
            send(ctx.site.url, "POST", path, query, headers, body)
        if counted:
            report.pending.append(rec.file)
        return
    if kind == "exclude":
        if counted:
            report.excluded.append((rec.file, rec.rule.get("why", "")))
        return
    if kind == "fixture":
        fixtures.apply_fixture(rec, ctx.control, ctx)
        if counted:
            report.fixtures.append(rec.file)
        return
    fixtures.apply_setup(rec, ctx.control, SITE, ctx.site.url)
    live = ctx.request(rec)
    if kind == "property":
        problems = properties.check(rec, live, ctx)
    else:
        problems = compare(rec, live, base=ctx.site.url, subs=ctx.subs, ignore=ignore, kind=kind)
    ctx.learn(rec, live)
    if ctx.capture is not None:
        problems += check_deliveries(rec, live, ctx)
    if not counted:
        return
    if problems:
        report.failed[rec.file] = problems
    else:
        report.reproduced.append(rec.file)


def parser() -> argparse.ArgumentParser:
    """`python -m standin.replay`'s options (they are the Frappe harness's; `-v` also
    lists the Django-CRM harness's control hooks)."""
    p = argparse.ArgumentParser(prog="python -m standin.replay", description=__doc__)
    p.add_argument(
        "--recordings",
        type=Path,
        default=None,
        help="recordings directory (default: the repository's contract/recordings)",
    )
    p.add_argument("--flavour", default="deployed", choices=("deployed", "documented", "plain"))
    p.add_argument(
        "--part",
        type=int,
        default=2,
        choices=(1, 2),
        help="1: part-2 files (OAuth, webhooks) stay pending",
    )
    p.add_argument("--only", help="report only this file number (earlier files still run)")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def run(args: argparse.Namespace) -> int:
    """Replays the Frappe recordings and prints the figure: 0 when all agree, 1 on a
    mismatch or a forbidden read, 2 without replay.json."""
    directory = args.recordings or default_dir()
    if not (directory / "replay.json").exists():
        print(f"no replay.json in {directory}", file=sys.stderr)
        return 2
    report = replay(
        directory,
        flavour=args.flavour,
        part=args.part,
        only=args.only.zfill(3) if args.only else None,
        verbose=args.verbose,
    )
    print(report.figure)
    for file, why in report.excluded:
        print(f"excluded: {file} ({why})")
    if report.failed:
        count = sum(len(v) for v in report.failed.values())
        print(f"mismatches in {len(report.failed)} files ({count} values):")
        for problems in report.failed.values():
            for problem in problems:
                print(problem.line())
    if report.audit:
        print("the stand-in opened files under the recordings directory:\n" + report.audit)
    return 0 if report.ok else 1
