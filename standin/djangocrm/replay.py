"""Replays the Django-CRM recordings (contract/djangocrm/recordings) against a fresh empty
stand-in and prints ``djangocrm: reproduced N of M recordings (F applied as fixtures, P
pending)``. Recorded ids and tokens are swapped for the live ones as the answers reveal
them; times, JWT claims and ids that cannot be equal are compared by shape."""

from __future__ import annotations

import base64
import json
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from standin.clock import SiteClock, parse_instant
from standin.djangocrm import DjangoCrmSite
from standin.replay.compare import Mismatch, live_title
from standin.replay.recordings import Live, Substitutions, send

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
JWT_RE = re.compile(r"^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
FILE_RE = re.compile(r"^<file (?P<name>\S+), (?P<size>\d+) bytes, (?P<type>[^>]+)>$")
HTML_RE = re.compile(r"^<html page, \d+ chars; title: (?P<title>.*)>$", re.S)
NATURAL_KEYS = ("title", "name", "email", "user__email", "comment", "file_name", "entity_name")
SLACK_SECONDS = 5  # recorded times are a little after the request's recorded_at
# Nothing the recordings show needs outside help beyond the control hooks below; a file
# listed here would be applied, not compared, and named with its reason.
FIXTURES: dict[str, str] = {}


def default_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "contract" / "djangocrm" / "recordings"


@dataclass
class Report:
    total: int = 0
    reproduced: list[str] = field(default_factory=list)
    fixtures: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    failed: dict[str, list[Mismatch]] = field(default_factory=dict)
    hooks: dict[str, str] = field(default_factory=dict)  # file -> the control hook it used

    @property
    def figure(self) -> str:
        return (
            f"djangocrm: reproduced {len(self.reproduced)} of {self.total} recordings "
            f"({len(self.fixtures)} applied as fixtures, {len(self.pending)} pending)"
        )

    @property
    def ok(self) -> bool:
        return not self.failed and not self.pending


def _claims(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class Replay:
    def __init__(self, site: DjangoCrmSite, clock: SiteClock) -> None:
        self.site, self.clock = site, clock
        self.subs = Substitutions()
        self.images: set[str] = set()  # live values already standing for a recorded one
        self.pending: dict[str, list[str]] = {
            "task": [],
            "team": [],
            "profile": [],
        }  # created, id unseen
        self.last_email = ""
        self.full_lists: dict[tuple, list] = {}  # (credential, filters) -> last full rows
        self.hook: str | None = None

    # -- learning recorded -> live ------------------------------------------------------------

    def learn(self, recorded, live) -> None:
        if (isinstance(recorded, str) and isinstance(live, str) and recorded != live
                and recorded not in self.subs.values and live not in self.images):  # fmt: skip
            self.subs.add(recorded, live)
            self.images.add(live)
            for pool in self.pending.values():
                if live in pool:
                    pool.remove(live)

    def _key(self, item) -> str | None:
        if isinstance(item, dict):
            for key in NATURAL_KEYS:
                if isinstance(item.get(key), str):
                    return f"{key}={item[key]}"
            if isinstance(item.get("user_details"), dict):
                return self._key(item["user_details"])
        return None

    def pairs(self, exp: list, got: list) -> list[tuple]:
        """Recorded and live elements side by side: by mapped id, natural key, or index."""
        if not all(isinstance(e, dict) and "id" in e for e in exp + got):
            return list(zip(exp, got, strict=False))
        by_id = {g["id"]: g for g in got}
        out, used = [], set()
        for i, e in enumerate(exp):
            g = by_id.get(self.subs.values.get(e["id"], e["id"]))
            same = got[i] if i < len(got) and id(got[i]) not in used else None
            if g is None and same is not None and self._key(same) == self._key(e):
                g = same
            if g is None:
                g = next((x for x in got if id(x) not in used and self._key(x) is not None
                          and self._key(x) == self._key(e)), None)  # fmt: skip
            if g is not None:
                used.add(id(g))
                out.append((e, g))
        return out

    def walk(self, exp, got) -> None:
        if isinstance(exp, dict) and isinstance(got, dict):
            for key, value in exp.items():
                if key in got:
                    self.walk(value, got[key])
        elif isinstance(exp, list) and isinstance(got, list):
            for e, g in self.pairs(exp, got):
                self.walk(e, g)
        elif isinstance(exp, str) and isinstance(got, str):
            shaped = (UUID_RE.match(exp) and UUID_RE.match(got)) or (
                JWT_RE.match(exp) and JWT_RE.match(got)) or (
                exp.startswith("bcrm_pat_") and got.startswith("bcrm_pat_"))  # fmt: skip
            if shaped:
                self.learn(exp, got)

    # -- the request --------------------------------------------------------------------------

    def _unknown_ids(self, value, kind: str) -> None:
        """A recorded id first met in a request: the newest live object of its kind [121]."""
        for text in re.findall(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}", value):
            if text not in self.subs.values and self.pending[kind]:
                self.learn(text, self.pending[kind][-1])

    def build(self, rec: dict) -> tuple:
        req = rec["request"]
        number = rec["file"][:3]
        self._unknown_ids(req["path"], "task")
        body = req.get("body")
        if isinstance(body, dict):
            self._unknown_ids(json.dumps(body.get("teams", [])), "team")
            people = [body.get("users", []), body.get("assigned_to", [])]
            self._unknown_ids(json.dumps(people), "profile")
            self._control_values(number, body)
        headers = {}
        for key, value in (req.get("headers") or {}).items():
            if key.lower() == "authorization":
                value = self._bearer(rec, value)
            headers[key] = self.subs.text(value)
        query = {k: ([self.subs.text(x) for x in v] if isinstance(v, list) else self.subs.text(v))
                 for k, v in (req.get("query") or {}).items()}  # fmt: skip
        raw = None
        if body is not None:
            data = self.subs.deep(body)
            ctype = req.get("content_type") or "application/json"
            if ctype == "application/json":
                raw = json.dumps(data).encode()
            elif ctype == "multipart/form-data":
                raw, ctype = _multipart(data)
            else:
                raw = urlencode(data).encode()
            headers["Content-Type"] = ctype
        return req["method"], self.subs.text(req["path"]), query, headers, raw

    def _control_values(self, number: str, body: dict) -> None:
        """What the recorder read outside HTTP, asked of the stand-in instead [005, 020]."""
        if "email" in body and "token" not in body and "code" not in body:
            self.last_email = body["email"]
        token = body.get("token")
        if isinstance(token, str) and token not in self.subs.values and set(token) != {"0"}:
            if self.site.last_link(self.last_email):
                self.learn(token, self.site.last_link(self.last_email))
                self.hook = "last_link: the sign-in link token the stand-in emailed"
        code = body.get("code")
        if isinstance(code, str) and code != "000000" and code not in self.subs.values:
            live = self.site.last_code(body.get("email", ""))
            if live:
                self.subs.values[code] = live  # 6 digits: may equal by chance, no image check
                self.hook = "last_code: the 6-digit code the stand-in emailed"

    def _bearer(self, rec: dict, value: str) -> str:
        """A JWT the recorder minted in manage.py shell [134]: mint the same claims live."""
        token = value.partition(" ")[2]
        if not JWT_RE.match(token) or token in self.subs.values:
            return value
        claims = {k: self.subs.deep(v) for k, v in _claims(token).items()}
        at = parse_instant(rec["recorded_at"]).timestamp()
        now = self.clock.now_utc().timestamp()
        claims["iat"] = int(now - (at - claims["iat"]))
        claims["exp"] = int(now - (at - claims["exp"]))
        claims["jti"] = secrets.token_hex(16)
        self.learn(token, self.site.mint_jwt(claims))
        self.hook = "mint_jwt: an expired token signed with the stand-in's key"
        return value

    # -- one recording ------------------------------------------------------------------------

    def run(self, rec: dict) -> list[Mismatch]:
        self.hook = None
        self.clock.set(now=rec["recorded_at"])
        method, path, query, headers, raw = self.build(rec)
        # Repeated parameters (status=New&status=In Progress [058]) go as they were sent.
        target = path + ("?" + urlencode(query, doseq=True) if query else "")
        live = send(self.site.url, method, target, {}, headers, raw)
        problems = self.compare(rec, live, headers)
        self._after(rec, live, headers)
        return problems

    def _after(self, rec: dict, live: Live, headers: dict) -> None:
        """A created task answers no id [034]: find it by listing, as a client would."""
        req = rec["request"]
        if req["method"] != "POST" or not 200 <= live.status < 300:
            return
        if req["path"] == "/api/tasks/" and (live.json() or {}).get("message", "").startswith(
                "Task Created"):  # fmt: skip
            title = self.subs.deep(req["body"])["title"]
            rows = [r for r in self._listed(headers, title=title)["tasks"] if r["title"] == title]
            if rows:
                self.pending["task"].append(max(rows, key=lambda r: r["created_at"])["id"])
        if req["path"] == "/api/users/":
            # An invited member's profile id is in no answer until a list names it [054].
            self.pending["profile"].append(self._listed(headers)["users"][-1]["id"])
        if req["path"] == "/api/teams/":
            # The team answer has no id and no recording lists teams: ask the stand-in.
            name = req["body"]["name"]
            team = next(t for t in self.site.state.teams.values() if t.name == name)
            self.pending["team"].append(team.id)

    def _listed(self, headers: dict, **query) -> dict:
        """A side request, not a recording: the task list as the same credential sees it."""
        query = {**query, "slim": "true", "limit": "1000"}
        auth = {k: v for k, v in headers.items() if k != "Content-Type"}
        return send(self.site.url, "GET", "/api/tasks/", query, auth, None).json()

    def compare(self, rec: dict, live: Live, headers: dict) -> list[Mismatch]:
        file, exp = rec["file"], rec["response"]
        out: list[Mismatch] = []
        if live.status != exp["status"]:
            out.append(Mismatch(file, "status", exp["status"], live.status))
        for name in ("content-type", "allow", "vary", "www-authenticate"):
            want, got = exp["headers"].get(name), live.headers.get(name)
            if want != got:
                out.append(Mismatch(file, f"header {name}", want, got))
        body = exp["body"]
        if isinstance(body, str) and HTML_RE.match(body):
            title = HTML_RE.match(body).group("title")
            if live_title(live) != title:
                out.append(Mismatch(file, "html title", title, live_title(live)))
            return out
        got = live.json()
        self.walk(body, got)
        expected = self._ordered(rec, headers, self.subs.deep(body), got)
        _Values(file, out).values(expected, got)
        return out

    def _ordered(self, rec: dict, headers: dict, expected, got):
        """List rows are in UUID order (descending) [054]: the live ids order differently, so
        the expected rows are put in the order the rule gives for the live ids. A page takes
        its rows from the last full list seen with the same credential [072, 073]."""
        req = rec["request"]
        if req["path"] != "/api/tasks/" or req["method"] != "GET" or not isinstance(got, dict):
            return expected
        for account in expected.get("accounts_list", []):
            account["tasks"] = sorted(account["tasks"], key=lambda r: r["id"], reverse=True)
        rows = expected.get("tasks")
        if rows is None:
            return expected
        q = req.get("query") or {}
        filters = {k: v for k, v in q.items() if k not in ("limit", "offset")}
        who = (headers.get("Authorization") or headers.get("Token", ""), json.dumps(filters))
        recorded = rec["response"]["body"]
        if recorded["tasks_count"] == len(recorded["tasks"]):
            self.full_lists[who] = recorded["tasks"]
            expected["tasks"] = sorted(rows, key=lambda r: r["id"], reverse=True)
        elif who in self.full_lists:
            offset, limit = int(q.get("offset", 0)), int(q.get("limit", 10))
            full = sorted(self.subs.deep(self.full_lists[who]), key=lambda r: r["id"],
                          reverse=True)  # fmt: skip
            expected["tasks"] = full[offset : offset + limit]
        return expected


class _Values:
    """Keys in order and values, lists element by element; times, tokens by shape."""

    def __init__(self, file: str, out: list[Mismatch]) -> None:
        self.file, self.out = file, out

    def miss(self, path, exp, got) -> None:
        self.out.append(Mismatch(self.file, path, exp, got))

    def values(self, exp, got, path: str = "$") -> None:
        if isinstance(exp, dict) and isinstance(got, dict):
            if list(exp) != list(got):
                self.miss(path + " (keys)", list(exp), list(got))
            for key in exp:
                if key in got:
                    self.values(exp[key], got[key], f"{path}.{key}")
        elif isinstance(exp, list) and isinstance(got, list):
            if len(exp) != len(got):
                self.miss(path + " (length)", len(exp), len(got))
            for i, (e, g) in enumerate(zip(exp, got, strict=False)):
                self.values(e, g, f"{path}[{i}]")
        elif isinstance(exp, str) and isinstance(got, str) and TIME_RE.match(exp):
            self._time(exp, got, path)
        elif isinstance(exp, str) and isinstance(got, str) and JWT_RE.match(exp):
            self._jwt(exp, got, path)
        elif type(exp) is not type(got) or exp != got:
            self.miss(path, exp, got)

    def _time(self, exp: str, got: str, path: str) -> None:
        """An ISO time where one was, in the same zone offset [141], within a few seconds."""
        m_e, m_g = TIME_RE.match(exp), TIME_RE.match(got)
        if not m_g or m_e.group(2) != m_g.group(2) or len(m_e.group(1) or "") != len(
                m_g.group(1) or ""):  # fmt: skip
            self.miss(path, exp, got)
            return
        delta = datetime.fromisoformat(got) - datetime.fromisoformat(exp)
        if abs(delta.total_seconds()) > SLACK_SECONDS:
            self.miss(path + " (time)", exp, got)

    def _jwt(self, exp: str, got: str, path: str) -> None:
        """The claim set in order; lifetimes exact, issue times close, jti a fresh hex."""
        if not JWT_RE.match(got):
            self.miss(path, "a JWT", got)
            return
        want, have = _claims(exp), _claims(got)
        if list(want) != list(have):
            self.miss(path + " (claims)", list(want), list(have))
            return
        if want["exp"] - want["iat"] != have["exp"] - have["iat"]:
            self.miss(path + ".exp-iat", want["exp"] - want["iat"], have["exp"] - have["iat"])
        if abs(want["iat"] - have["iat"]) > SLACK_SECONDS:
            self.miss(path + ".iat", want["iat"], have["iat"])
        if not re.fullmatch(r"[0-9a-f]{32}", str(have["jti"])):
            self.miss(path + ".jti", want["jti"], have["jti"])
        rest = {k: v for k, v in want.items() if k not in ("exp", "iat", "jti")}
        self.values(rest, {k: v for k, v in have.items() if k not in ("exp", "iat", "jti")},
                    path + " (claims)")  # fmt: skip


def _multipart(data: dict) -> tuple[bytes, str]:
    """A recorded multipart body: ``<file NAME, N bytes, TYPE>`` parts become N-byte files."""
    boundary = uuid.uuid4().hex
    chunks = []
    for name, value in data.items():
        m = FILE_RE.match(str(value))
        if m:
            head = (f'Content-Disposition: form-data; name="{name}"; filename="{m["name"]}"\r\n'
                    f"Content-Type: {m['type']}\r\n\r\n")  # fmt: skip
            payload = b"x" * int(m["size"])
        else:
            head = f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
            payload = str(value).encode()
        chunks.append(f"--{boundary}\r\n{head}".encode() + payload + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}")  # fmt: skip


def replay(directory: Path | None = None, *, only: str | None = None) -> Report:
    directory = directory or default_dir()
    files = sorted(directory.glob("[0-9][0-9][0-9]_*.json"))
    report = Report(total=len(files))
    clock = SiteClock(mode="frozen", now=json.loads(files[0].read_text())["recorded_at"])
    with DjangoCrmSite(users=[], clock=clock) as site:
        run = Replay(site, clock)
        for path in files:
            rec = {"file": path.name, **json.loads(path.read_text(encoding="utf-8"))}
            if path.name in FIXTURES:
                report.fixtures.append(path.name)
                continue
            problems = run.run(rec)
            if only and not path.name.startswith(only):
                continue
            if run.hook:
                report.hooks[path.name] = run.hook
            if problems:
                report.failed[path.name] = problems
            else:
                report.reproduced.append(path.name)
    if only:
        report.total = 1
    return report


def main(*, verbose: bool = False, only: str | None = None, log=print) -> int:
    report = replay(only=only)
    log(report.figure)
    if verbose:
        for file, why in FIXTURES.items():
            log(f"  fixture: {file}: {why}")
        for file, hook in report.hooks.items():
            log(f"  control hook: {file}: {hook}")
    if report.failed:
        count = sum(len(v) for v in report.failed.values())
        log(f"djangocrm: mismatches in {len(report.failed)} files ({count} values):")
        for problems in report.failed.values():
            for problem in problems:
                log(problem.line())
    return 0 if report.ok else 1
