"""Loading the Frappe recordings (`contract/recordings`), their replay rules and
webhook deliveries, and building a recorded request with its values substituted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from standin.replay.recordings import Substitutions

RECORDED_BASE = "http://127.0.0.1:8000"


def default_dir() -> Path:
    """The repository's copy of the recordings, `contract/recordings`."""
    return Path(__file__).resolve().parents[3] / "contract" / "recordings"


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
