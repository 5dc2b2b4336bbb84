"""Loading recordings, the replay rules, and sending a recorded request."""

from __future__ import annotations

import base64
import http.client
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

RECORDED_BASE = "http://127.0.0.1:8000"


def default_dir() -> Path:
    """The repository's copy of the recordings, `contract/recordings`."""
    return Path(__file__).resolve().parents[2] / "contract" / "recordings"


@dataclass
class Recording:
    file: str
    number: str
    data: dict
    rule: dict

    @property
    def request(self) -> dict:
        return self.data["request"]

    @property
    def response(self) -> dict:
        return self.data["response"]

    @property
    def recorded_at(self) -> str:
        return self.data["recorded_at"]


def load(directory: Path) -> tuple[dict, list[Recording]]:
    replay = json.loads((directory / "replay.json").read_text(encoding="utf-8"))
    recs = []
    for path in sorted(directory.glob("[0-9][0-9][0-9]_*.json")):
        rule = replay["recordings"].get(path.name)
        if rule is None:
            raise SystemExit(f"{path.name} has no entry in replay.json")
        recs.append(
            Recording(path.name, path.name[:3], json.loads(path.read_text(encoding="utf-8")), rule)
        )
    return replay, recs


def load_deliveries(directory: Path) -> list[dict]:
    path = directory / "webhook_deliveries.jsonl"
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@dataclass
class Live:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes
    content_type: str = ""

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            return None

    @property
    def location(self) -> str | None:
        return self.headers.get("location")


@dataclass
class Substitutions:
    """Values the site issued (tokens, secrets, codes), recorded -> live."""

    values: dict[str, str] = field(default_factory=dict)

    def add(self, recorded, live) -> None:
        if isinstance(recorded, str) and isinstance(live, str) and recorded and recorded != live:
            self.values[recorded] = live

    def text(self, value: str) -> str:
        for recorded in sorted(self.values, key=len, reverse=True):
            if recorded in value:
                value = value.replace(recorded, self.values[recorded])
        return value

    def deep(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        return value

    def authorization(self, header: str) -> str:
        scheme, _, cred = header.partition(" ")
        if scheme.lower() == "basic":
            decoded = base64.b64decode(cred).decode()
            return "Basic " + base64.b64encode(self.text(decoded).encode()).decode()
        return f"{scheme} {self.text(cred)}"


def send(
    base_url: str,
    method: str,
    path: str,
    query: dict,
    headers: dict,
    body: bytes | None,
    timeout: float = 60.0,
) -> Live:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    url = path + ("?" + urlencode(query) if query else "")
    try:
        conn.request(method, url, body=body, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        cookies = {}
        for key, value in resp.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookies[name.strip()] = rest.split(";")[0]
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        return Live(resp.status, hdrs, cookies, raw, hdrs.get("content-type", ""))
    finally:
        conn.close()


def build_request(rec: Recording, subs: Substitutions, sid: str | None) -> tuple:
    """(method, path, query, headers, body) for a recorded request, values substituted."""
    req = rec.request
    headers: dict[str, str] = {}
    for key, value in (req.get("headers") or {}).items():
        if key == "Cookie(names)":
            if sid:
                headers["Cookie"] = f"sid={sid}"
        elif key.lower() == "authorization":
            headers["Authorization"] = subs.authorization(value)
        else:
            headers[key] = subs.text(value)
    query = {k: subs.text(str(v)) for k, v in (req.get("query") or {}).items()}
    body = None
    if req.get("body") is not None:
        data = subs.deep(req["body"])
        ctype = req.get("content_type") or "application/json"
        headers["Content-Type"] = ctype
        if ctype == "application/json":
            body = json.dumps(data).encode()
        else:
            body = urlencode(data).encode()
    return req["method"], req["path"], query, headers, body
