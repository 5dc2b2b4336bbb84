"""Recordings of a real Frappe site, replayed at the HTTP seam.

``FakeSite`` is a transport for ``Http(adapter=...)``: each ``expect()`` queues one recorded
exchange; the client's next request must match the recording's method, path, recorded query
parameters (unless relaxed), JSON or form body and Authorization scheme, and gets the recorded
answer back. Expectations left unused fail the test (like ``responses``'s
``assert_all_requests_are_fired``).
"""

from __future__ import annotations

import io
import json
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from portal.http import AddressPolicy, Http

REPO = Path(__file__).resolve().parents[3]
_COMMA_SETS = {"status", "importance"}
BASE = "http://127.0.0.1:8000"  # the recorded site's base URL (replay.json, "base_url")


def recordings_dir() -> Path:
    """The repository's copy of the contract (tests/unit/test_contract_copy.py keeps it in step)."""
    return REPO / "contract" / "recordings"


def load(number: str) -> dict[str, Any]:
    """A recording by its number, e.g. ``load("026")``."""
    matches = sorted(recordings_dir().glob(f"{number}_*.json"))
    assert len(matches) == 1, f"no single recording numbered {number}"
    data = json.loads(matches[0].read_text())
    data["file"] = matches[0].name
    return data


def body_of(number: str) -> Any:
    return load(number)["response"]["body"]


def public_resolver(host: str, port: int, **_: Any) -> list[Any]:
    return [(2, 1, 6, "", ("93.184.216.34", port))]


def loopback_resolver(host: str, port: int, **_: Any) -> list[Any]:
    return [(2, 1, 6, "", ("127.0.0.1", port))]


class Exchange:
    def __init__(
        self,
        recording: dict[str, Any],
        *,
        relax: tuple[str, ...],
        check: Callable[[requests.PreparedRequest], None] | None,
        answer: dict[str, Any] | None,
    ) -> None:
        self.recording = recording
        self.relax = relax
        self.check = check
        self.answer = answer or recording["response"]

    def verify(self, sent: requests.PreparedRequest) -> None:
        want = self.recording["request"]
        name = self.recording.get("file", "synthetic")
        url = urlsplit(sent.url or "")
        assert sent.method == want["method"], f"{name}: method {sent.method} != {want['method']}"
        assert url.path == want["path"], f"{name}: path {url.path} != {want['path']}"
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        for key, value in want["query"].items():
            if key in self.relax:
                continue
            if key in ("fields", "filters"):  # JSON-valued parameters
                assert json.loads(query.get(key) or "null") == json.loads(value), name
            elif key in _COMMA_SETS:  # comma lists are sets to the site
                assert set((query.get(key) or "").split(",")) == set(value.split(",")), name
            else:
                assert query.get(key) == value, f"{name}: {key}={query.get(key)!r} != {value!r}"
        if want.get("body") is not None and "body" not in self.relax:
            assert sent_body(sent) == want["body"], f"{name}: body {sent_body(sent)!r}"
        recorded_auth = want["headers"].get("Authorization")
        if recorded_auth:
            sent_auth = sent.headers.get("Authorization", "")
            assert sent_auth.split(" ")[0].lower() == recorded_auth.split(" ")[0].lower(), name
        if self.check:
            self.check(sent)

    def response(self, sent: requests.PreparedRequest) -> requests.Response:
        answer = self.answer
        response = requests.Response()
        response.status_code = answer["status"]
        response.reason = answer.get("reason", "")
        headers = {k: v for k, v in answer.get("headers", {}).items() if "(names)" not in k}
        body = answer.get("body")
        if (
            isinstance(body, str)
            and "content-type" in headers
            and "json" not in headers["content-type"]
        ):
            raw = body.encode()
        else:
            raw = json.dumps(body).encode() if body is not None else b""
            headers.setdefault("content-type", "application/json")
        response.headers = CaseInsensitiveDict(headers)
        response.raw = io.BytesIO(raw)
        response.url = sent.url or ""
        response.request = sent
        return response


def sent_body(sent: requests.PreparedRequest) -> Any:
    raw = sent.body or b""
    text = raw.decode() if isinstance(raw, bytes) else raw
    if "json" in (sent.headers.get("Content-Type") or ""):
        return json.loads(text)
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


class FakeSite(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.queue: deque[Exchange] = deque()
        self.sent: list[requests.PreparedRequest] = []
        self.used: list[str] = []

    def expect(
        self,
        number: str,
        *,
        relax: tuple[str, ...] = (),
        check: Callable[[requests.PreparedRequest], None] | None = None,
        answer: dict[str, Any] | None = None,
    ) -> FakeSite:
        recording = load(number)
        self.used.append(recording["file"])
        self.queue.append(Exchange(recording, relax=relax, check=check, answer=answer))
        return self

    def expect_request(
        self,
        method: str,
        path: str,
        *,
        answer: dict[str, Any],
        query: dict[str, str] | None = None,
        body: Any = None,
        check: Callable[[requests.PreparedRequest], None] | None = None,
    ) -> FakeSite:
        """An exchange no recording covers (plain-site writes, faults): the answer is built from
        recorded bodies by the test."""
        request = {
            "method": method,
            "path": path,
            "query": query or {},
            "headers": {},
            "body": body,
        }
        synthetic = {"request": request, "response": answer, "file": f"synthetic {method} {path}"}
        self.queue.append(Exchange(synthetic, relax=(), check=check, answer=answer))
        return self

    def send(self, request: requests.PreparedRequest, **_: Any) -> requests.Response:
        self.sent.append(request)
        assert self.queue, f"unexpected request: {request.method} {request.url}"
        exchange = self.queue.popleft()
        exchange.verify(request)
        return exchange.response(request)

    def close(self) -> None:
        pass

    def assert_done(self) -> None:
        left = [e.recording.get("file") for e in self.queue]
        assert not left, f"expected requests never sent: {left}"


def fake_http(site: FakeSite, **kwargs: Any) -> Http:
    policy = AddressPolicy(allow_loopback=True, allow_insecure_http=True)
    return Http(policy=policy, adapter=site, resolve=loopback_resolver, **kwargs)


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "status": status,
        "headers": headers or {"content-type": "application/json"},
        "body": body,
    }
