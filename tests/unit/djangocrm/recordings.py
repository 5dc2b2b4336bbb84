"""Recordings of a real Django-CRM site, replayed at the portal's HTTP seam.

``RecordedSite`` stands where ``portal.http.Http`` stands: each ``expect()`` queues one recorded
exchange; the next request must match its method, path, query and JSON body, and gets the
recorded answer. Expectations left unused fail the test.
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from requests.structures import CaseInsensitiveDict

from portal.http import HttpResponse

REPO = Path(__file__).resolve().parents[3]
BASE = "http://127.0.0.1:8010"
ANY: Any = object()  # for ``query`` or ``body``: this test does not check it


def load(number: str) -> dict[str, Any]:
    found = sorted((REPO / "contract" / "djangocrm" / "recordings").glob(f"{number}_*.json"))
    assert len(found) == 1, f"no single recording numbered {number}"
    return json.loads(found[0].read_text())


def body_of(number: str) -> Any:
    return load(number)["response"]["body"]


def _as_strings(params: dict | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in (params or {}).items():
        values = value if isinstance(value, list | tuple) else [value]
        out[key] = [str(v) for v in values]
    return out


class RecordedSite:
    def __init__(self) -> None:
        self.queue: deque = deque()
        self.sent: list[dict[str, Any]] = []

    def expect(self, number: str, *, query: dict | None = None, body: Any = ...,
               answer: Any = ...) -> RecordedSite:  # fmt: skip
        """``query``/``body``: what this test sends where it differs from the recording (ids
        of the test's own), or ``ANY``; ``answer``: a body to answer instead (the recording's,
        edited), or a function of the request sent."""
        self.queue.append((number, query, body, answer))
        return self

    def request(self, method, url, *, params=None, json=None, data=None, headers=None,
                site=None) -> HttpResponse:  # fmt: skip
        assert self.queue, f"unexpected request {method} {url}"
        number, query, body, answer = self.queue.popleft()
        recorded = load(number)
        want = recorded["request"]
        self.sent.append({"method": method, "url": url, "params": params, "json": json,
                          "headers": dict(headers or {})})  # fmt: skip
        assert method == want["method"], (number, method)
        path = urlsplit(url).path
        assert path == want["path"] or query is not None or body is not ..., (number, path)
        if query is not ANY:
            expected_query = _as_strings(query if query is not None else want.get("query"))
            assert _as_strings(params) == expected_query, (number, params, expected_query)
        expected_body = want.get("body") if body is ... else body
        if body is not ANY and (expected_body is not None or json is not None):
            assert json == expected_body, (number, json, expected_body)
        response = recorded["response"]
        content = response["body"] if answer is ... else answer
        if callable(content):
            content = content(self.sent[-1])
        raw = b"" if content is None else _json_bytes(content)
        return HttpResponse(
            status=response["status"],
            headers=CaseInsensitiveDict(response.get("headers") or {}),
            content=raw,
            url=url,
        )

    def done(self) -> None:
        assert not self.queue, f"expected requests never sent: {[q[0] for q in self.queue]}"


def _json_bytes(content: Any) -> bytes:
    if isinstance(content, str) and content.startswith("<html"):
        return content.encode()
    return json.dumps(content).encode()
