"""Replays the EspoCRM recordings (contract/espocrm/recordings) against a fresh stand-in and
prints ``espocrm: reproduced N of 174 recordings (F applied as fixtures, P pending), D of 20
deliveries``. Ids, keys and tokens the site issued are swapped for the live ones as the
answers reveal them; HMAC headers are re-signed with the live secret the way the recorded
one was signed (right or wrong); times are compared by shape, within a few seconds.

Webhook deliveries (``recordings/deliveries/``): a local receiver stands where the recorded
one was (``127.0.0.1:8751``, substituted in the webhook URLs) and answers each delivery
with the status the recorded receiver gave. The recorded deliveries fall into runs of the
site's webhook job (received together, each webhook at most once); each run is replayed
between the exchanges it was received between, with the clock at its time: events waiting
for a retry are made due (``site.retry_now()``: the recorder forced its retries seconds
apart rather than waiting 10 minutes), then ``site.send_webhooks()``. Each live delivery is
compared with the recorded one: path, header names in order and their values (Host through
the substitution, Content-Length the live body's length), the raw body byte for byte after
substituting ids and comparing times within a few seconds, and ``Signature`` /
``X-Signature`` recomputed from the live webhook's secret over the live body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from standin.clock import SiteClock, parse_instant
from standin.espocrm import EspoCrmSite
from standin.espocrm.webhooks import legacy_signature, signature
from standin.replay.capture import CaptureServer
from standin.replay.compare import Mismatch
from standin.replay.recordings import Substitutions, send

ID_RE = re.compile(r"^[0-9a-f]{17}$")
KEY_RE = re.compile(r"^[0-9a-f]{32}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
TIME_IN_TEXT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
RECEIVER = "127.0.0.1:8751"  # where the recorded webhooks pointed (INDEX.md)
RUN_GAP_SECONDS = 1.0  # deliveries of one run of the webhook job came within ms of each other
SLACK_SECONDS = 5
ADMIN = ("admin", "AdminLab-2026")
FIXTURES: dict[str, str] = {}
INSTALLED_AT = "2026-12-02 07:12:48"


def default_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "contract" / "espocrm" / "recordings"


@dataclass
class Report:
    total: int = 0
    reproduced: list[str] = field(default_factory=list)
    fixtures: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    failed: dict[str, list[Mismatch]] = field(default_factory=dict)
    deliveries: int = 0
    deliveries_total: int = 20
    job_runs: int = 0  # runs of the webhook job replayed
    retried: int = 0  # events made due by retry_now (the recorder's forced retries)

    @property
    def figure(self) -> str:
        return (
            f"espocrm: reproduced {len(self.reproduced)} of {self.total} recordings "
            f"({len(self.fixtures)} applied as fixtures, {len(self.pending)} pending), "
            f"{self.deliveries} of {self.deliveries_total} deliveries"
        )

    @property
    def ok(self) -> bool:
        return not self.failed and not self.pending and self.deliveries == self.deliveries_total


class Replay:
    def __init__(self, site: EspoCrmSite, clock: SiteClock) -> None:
        self.site, self.clock = site, clock
        self.subs = Substitutions()
        self.secrets: dict[str, str] = {}  # recorded apiKey -> recorded secretKey
        self.cookies: dict[str, str] = {}

    def learn(self, exp, got) -> None:
        if isinstance(exp, dict) and isinstance(got, dict):
            if isinstance(exp.get("apiKey"), str) and isinstance(exp.get("secretKey"), str):
                self.secrets[exp["apiKey"]] = exp["secretKey"]
            for key, value in exp.items():
                if key in got:
                    self.learn(value, got[key])
        elif isinstance(exp, list) and isinstance(got, list):
            for e, g in zip(exp, got, strict=False):
                self.learn(e, g)
        elif isinstance(exp, str) and isinstance(got, str) and exp != got:
            if (ID_RE.match(exp) and ID_RE.match(got)) or (KEY_RE.match(exp) and KEY_RE.match(got)):
                if exp not in self.subs.values:
                    self.subs.add(exp, got)

    def _hmac(self, header: str, method: str, path: str) -> str:
        raw = base64.b64decode(header)
        key, _, sig = raw.partition(b":")
        key_s = key.decode("latin-1")
        secret = self.secrets.get(key_s)
        live_key = self.subs.text(key_s)
        live_secret = self.site.state.user_by_name  # placeholder, replaced below
        user = next((u for u in self.site.state.users.values() if u.api_key == live_key), None)
        live_secret = user.secret_key if user and user.secret_key else None
        if secret is None or live_secret is None:
            return header
        for signed in (f"{method} {path}", f"{method} /api/v1{path}"):
            digest = hmac.new(secret.encode(), signed.encode(), hashlib.sha256)
            live = hmac.new(live_secret.encode(), signed.encode(), hashlib.sha256)
            if sig == digest.hexdigest().encode():
                return base64.b64encode(
                    live_key.encode() + b":" + live.hexdigest().encode()
                ).decode()
            if sig == digest.digest():
                return base64.b64encode(live_key.encode() + b":" + live.digest()).decode()
        return base64.b64encode(live_key.encode() + b":" + sig).decode()

    def build(self, rec: dict):
        req = rec["request"]
        path = self.subs.text(req["path"])
        headers = {}
        for key, value in (req.get("headers") or {}).items():
            low = key.lower()
            if low == "espo-authorization":
                decoded = base64.b64decode(value)
                value = base64.b64encode(
                    self.subs.text(decoded.decode("latin-1")).encode("latin-1")
                ).decode()
            elif low == "authorization":
                value = self.subs.authorization(value)
            elif low == "x-hmac-authorization":
                value = self._hmac(value, req["method"], req["path"][len("/api/v1") :])
            else:
                value = self.subs.text(value)
            headers[key] = value
        query = req.get("query") or {}
        pairs = query if isinstance(query, list) else list(query.items())
        pairs = [(k, self.subs.text(str(v))) for k, v in pairs]
        body = req.get("body")
        raw = None
        if body is not None:
            if isinstance(body, str):
                raw = self.subs.text(body).encode()
            else:
                raw = json.dumps(self.subs.deep(body)).encode()
            headers["Content-Type"] = req.get("content_type") or "application/json"
        if "auth-token-secret" in self.cookies and rec["name"] == "never":
            headers["Cookie"] = f"auth-token-secret={self.cookies['auth-token-secret']}"
        return req["method"], path, pairs, headers, raw

    def _deep(self, value):
        """Recorded -> live, in dict keys too (``teamsNames``, ``followersNames``)."""
        if isinstance(value, dict):
            return {self.subs.text(k): self._deep(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._deep(v) for v in value]
        return self.subs.text(value) if isinstance(value, str) else value

    def run(self, rec: dict) -> list[Mismatch]:
        self.clock.set(now=rec["recorded_at"])
        method, path, pairs, headers, raw = self.build(rec)
        target = path + ("?" + urlencode(pairs) if pairs else "")
        live = send(self.site.url, method, target, {}, headers, raw)
        exp = rec["response"]
        out: list[Mismatch] = []
        file = rec["file"]
        if live.status != exp["status"]:
            out.append(Mismatch(file, "status", exp["status"], live.status))
        want_headers = {k.lower(): v for k, v in exp["headers"].items()}
        for name in ("x-status-reason", "content-type"):
            want, got = want_headers.get(name), live.headers.get(name)
            want = self.subs.text(want) if isinstance(want, str) else want
            if (
                name == "content-type"
                and want
                and got
                and want.replace(" ", "").lower() == got.replace(" ", "").lower()
            ):
                continue
            if want != got:
                out.append(Mismatch(file, f"header {name}", want, got))
        body = exp["body"]
        if isinstance(body, str):
            if body == "" and live.body != b"":
                out.append(Mismatch(file, "body", "", live.body[:80].decode("utf-8", "replace")))
            return out
        got = live.json()
        self.learn(body, got)
        _Values(file, out, self.subs).values(self._deep(body), got)
        return out


class _Values:
    def __init__(self, file: str, out: list[Mismatch], subs: Substitutions) -> None:
        self.file, self.out, self.subs = file, out, subs

    def values(self, exp, got, path: str = "$") -> None:
        if isinstance(exp, dict) and isinstance(got, dict):
            if list(exp) != list(got):
                self.out.append(Mismatch(self.file, path + " (keys)", list(exp), list(got)))
            for key in exp:
                if key in got:
                    self.values(exp[key], got[key], f"{path}.{key}")
        elif isinstance(exp, list) and isinstance(got, list):
            if len(exp) != len(got):
                self.out.append(Mismatch(self.file, path + " (length)", len(exp), len(got)))
            for i, (e, g) in enumerate(zip(exp, got, strict=False)):
                self.values(e, g, f"{path}[{i}]")
        elif isinstance(exp, str) and isinstance(got, str) and TIME_RE.match(exp):
            if (
                not TIME_RE.match(got)
                or abs((datetime.fromisoformat(got) - datetime.fromisoformat(exp)).total_seconds())
                > SLACK_SECONDS
            ):
                self.out.append(Mismatch(self.file, path, exp, got))
        elif (
            isinstance(exp, str)
            and isinstance(got, str)
            and (
                (ID_RE.match(exp) and ID_RE.match(got)) or (KEY_RE.match(exp) and KEY_RE.match(got))
            )
        ):
            return
        elif path.endswith((".microtime", ".cacheTimestamp")) and isinstance(got, int | float):
            return  # the moment of the answer: a clock value, not state
        elif type(exp) is not type(got) or exp != got:
            self.out.append(Mismatch(self.file, path, exp, got))


def load_runs(directory: Path) -> list[list[dict]]:
    """The recorded deliveries in the order received, grouped into runs of the webhook job:
    a run takes each webhook at most once, and its deliveries came close together."""
    files = sorted((directory / "deliveries").glob("D[0-9][0-9][0-9]_*.json"))
    items = [{"file": p.name, **json.loads(p.read_text(encoding="utf-8"))} for p in files]
    items.sort(key=lambda d: parse_instant(d["received_at"]))
    runs: list[list[dict]] = []
    for item in items:
        at = parse_instant(item["received_at"])
        last = runs[-1] if runs else None
        if (
            last
            and (at - parse_instant(last[-1]["received_at"])).total_seconds() <= RUN_GAP_SECONDS
            and item["webhook_id"] not in {d["webhook_id"] for d in last}
        ):
            last.append(item)
        else:
            runs.append([item])
    return runs


class Deliveries:
    """The local receiver and the comparison of what the stand-in sent with what the
    recorded receiver got."""

    def __init__(self, run: Replay) -> None:
        self.run = run
        self.plan: dict[str, int] = {}  # path -> the status the recorded receiver answered
        self.receiver = CaptureServer(answer=lambda path: self.plan.get(path, 200)).start()
        self.runs = 0
        self.retried = 0  # events made due by retry_now before a run

    def stop(self) -> None:
        self.receiver.stop()

    def send(self, recorded: list[dict], report: Report) -> None:
        site, subs = self.run.site, self.run.subs
        self.run.clock.set(now=recorded[0]["received_at"])
        self.retried += site.retry_now()
        self.plan = {d["path"]: d["answered_status"] for d in recorded}
        secrets = {i: h["secretKey"] for i, h in site.webhooks.items()}  # a 410 deletes one
        seen = len(self.receiver.received)
        site.send_webhooks()
        got = self.receiver.received[seen:]
        self.runs += 1
        for index, exp in enumerate(recorded):
            live = got[index] if index < len(got) else None
            problems = self.compare(exp, live, secrets, subs)
            if problems:
                report.failed[exp["file"]] = problems
            else:
                report.deliveries += 1
        for extra in got[len(recorded) :]:
            where = f"after {recorded[-1]['file']}"
            report.failed.setdefault(where, []).append(
                Mismatch(where, "unrecorded delivery", None, extra["path"])
            )

    def compare(self, exp: dict, live: dict | None, secrets: dict, subs) -> list[Mismatch]:
        file = exp["file"]
        if live is None:
            return [Mismatch(file, "delivery", f"POST {exp['path']}", "nothing sent")]
        out: list[Mismatch] = []
        if live["path"] != exp["path"]:
            out.append(Mismatch(file, "path", exp["path"], live["path"]))
        body: bytes = live["body_bytes"]
        _raw_body(file, out, subs.text(exp["raw_body"]), body.decode("utf-8", "replace"))
        pairs = live["header_pairs"]
        if [k for k, _ in exp["headers"]] != [k for k, _ in pairs]:
            out.append(
                Mismatch(
                    file, "header names", [k for k, _ in exp["headers"]], [k for k, _ in pairs]
                )
            )
        got = dict(pairs)
        hook_id = subs.text(exp["webhook_id"])
        secret = secrets.get(hook_id)
        if secret is None:
            out.append(Mismatch(file, "webhook", hook_id, "not on the live site"))
            return out
        for name, want in exp["headers"]:
            if name == "Signature":
                want = signature(hook_id, secret, body)
            elif name == "X-Signature":
                want = legacy_signature(hook_id, secret, body)
            elif name == "Content-Length":
                want = str(len(body))
            else:
                want = subs.text(want)
            if got.get(name) != want:
                out.append(Mismatch(file, f"header {name}", want, got.get(name)))
        if live["status"] != exp["answered_status"]:
            out.append(Mismatch(file, "receiver answered", exp["answered_status"], live["status"]))
        return out


def _raw_body(file: str, out: list[Mismatch], exp: str, got: str) -> None:
    """Byte for byte, but the times: those by shape, within SLACK_SECONDS."""
    exp_parts, got_parts = TIME_IN_TEXT.split(exp), TIME_IN_TEXT.split(got)
    exp_times, got_times = TIME_IN_TEXT.findall(exp), TIME_IN_TEXT.findall(got)
    if exp_parts != got_parts:
        # where they first differ outside the times (a time has the same length whatever it is)
        masked = [TIME_IN_TEXT.sub("T" * 19, text) for text in (exp, got)]
        first = next(
            (i for i, (a, b) in enumerate(zip(*masked, strict=False)) if a != b),
            min(len(exp), len(got)),
        )
        start = max(0, first - 40)
        out.append(
            Mismatch(
                file, f"raw body at byte {first}", exp[start : first + 80], got[start : first + 80]
            )
        )
        return
    for want, have in zip(exp_times, got_times, strict=True):
        delta = datetime.fromisoformat(have) - datetime.fromisoformat(want)
        if abs(delta.total_seconds()) > SLACK_SECONDS:
            out.append(Mismatch(file, "raw body time", want, have))


def replay(directory: Path | None = None) -> Report:
    directory = directory or default_dir()
    files = sorted(directory.glob("[0-9][0-9][0-9]_*.json"))
    runs = load_runs(directory)
    report = Report(total=len(files), deliveries_total=sum(len(r) for r in runs))
    first = json.loads(files[0].read_text(encoding="utf-8"))["recorded_at"]
    clock = SiteClock(mode="frozen", now=first)
    # The install time is read outside HTTP (the admin user's createdAt in 008).
    with EspoCrmSite(clock=clock, admin_password=ADMIN[1], installed_at=INSTALLED_AT) as site:
        run = Replay(site, clock)
        run.subs.add("6b0fc4f035626de7c", "6b0fc4f035626de7c")
        deliveries = Deliveries(run)
        run.subs.add(RECEIVER, deliveries.receiver.netloc)
        try:
            for path in files:
                rec = {"file": path.name, **json.loads(path.read_text(encoding="utf-8"))}
                at = parse_instant(rec["recorded_at"])
                while runs and parse_instant(runs[0][0]["received_at"]) < at:
                    deliveries.send(runs.pop(0), report)
                problems = run.run(rec)
                if problems:
                    report.failed[path.name] = problems
                else:
                    report.reproduced.append(path.name)
            while runs:
                deliveries.send(runs.pop(0), report)
        finally:
            deliveries.stop()
        report.job_runs, report.retried = deliveries.runs, deliveries.retried
    return report


def main(*, verbose: bool = False, log=print) -> int:
    report = replay()
    log(report.figure)
    if verbose:
        log(
            f"espocrm: {report.job_runs} runs of the webhook job, {report.retried} events made "
            "due by retry_now (the recorder forced its retries seconds apart)"
        )
    if report.failed:
        count = sum(len(v) for v in report.failed.values())
        log(f"espocrm: mismatches in {len(report.failed)} files ({count} values):")
        for problems in report.failed.values():
            for problem in problems[: None if verbose else 3]:
                log(problem.line())
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main(verbose="-v" in sys.argv[1:]))
