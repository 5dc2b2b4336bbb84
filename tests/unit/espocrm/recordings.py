"""Recordings of a real EspoCRM 9.1.7 site, replayed at the portal's HTTP seam.

``RecordedSite`` stands where ``portal.http.Http`` stands: each ``expect()`` queues one recorded
exchange; the next request must match its method, path, query (as pairs: ``where[0][value][]``
repeats [082]) and JSON body, and gets the recorded answer: its status, its headers (the error
message is in ``X-Status-Reason`` [107]) and its body, empty when the site sent none [012].
With ``auth=True`` the request must also carry the recorded credential headers exactly.
Expectations left unused fail the test.
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
RECORDINGS = REPO / "contract" / "espocrm" / "recordings"
BASE = "http://127.0.0.1:8750"
ANY: Any = object()  # for ``query`` or ``body``: this test does not check it
AUTH_HEADERS = (
    "X-Api-Key",
    "X-Hmac-Authorization",
    "Espo-Authorization",
    "Espo-Authorization-By-Token",
    "Authorization",
)


def load(number: str) -> dict[str, Any]:
    found = sorted(RECORDINGS.glob(f"{number}_*.json"))
    assert len(found) == 1, f"no single recording numbered {number}"
    return json.loads(found[0].read_text())


def delivery(number: str) -> dict[str, Any]:
    found = sorted((RECORDINGS / "deliveries").glob(f"D{number}_*.json"))
    assert len(found) == 1, f"no single delivery numbered D{number}"
    return json.loads(found[0].read_text())


def deliveries() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((RECORDINGS / "deliveries").glob("D*.json"))]


def body_of(number: str) -> Any:
    return load(number)["response"]["body"]


def pairs(query: Any) -> list[tuple[str, str]]:
    """A query as sorted (key, value) pairs, from a dict, a list of pairs or None."""
    items = query.items() if isinstance(query, dict) else (query or ())
    out = []
    for key, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        out.extend((str(key), str(v)) for v in values)
    return sorted(out)


class RecordedSite:
    def __init__(self) -> None:
        self.queue: deque = deque()
        self.sent: list[dict[str, Any]] = []

    def expect(
        self,
        number: str,
        *,
        query: Any = ...,
        body: Any = ...,
        answer: Any = ...,
        auth: bool = False,
    ) -> RecordedSite:
        """``query``/``body``: what this test sends where it differs from the recording, or
        ``ANY``; ``answer``: a body to answer instead (the recording's, edited)."""
        self.queue.append((number, query, body, answer, auth))
        return self

    def request(
        self, method, url, *, params=None, json=None, data=None, headers=None, site=None
    ) -> HttpResponse:
        assert self.queue, f"unexpected request {method} {url} {params}"
        number, query, body, answer, auth = self.queue.popleft()
        recorded = load(number)
        want = recorded["request"]
        sent = {
            "method": method,
            "url": url,
            "path": urlsplit(url).path,
            "params": params,
            "json": json,
            "headers": dict(headers or {}),
        }
        self.sent.append(sent)
        assert method == want["method"], (number, method)
        assert sent["path"] == want["path"], (number, sent["path"], want["path"])
        if query is not ANY:
            expected = want.get("query") if query is ... else query
            assert pairs(params) == pairs(expected), (number, pairs(params), pairs(expected))
        if body is not ANY:
            expected_body = want.get("body") if body is ... else body
            assert json == expected_body, (number, json, expected_body)
        if auth:
            got = {k: v for k, v in sent["headers"].items() if k in AUTH_HEADERS}
            assert got == {k: v for k, v in want["headers"].items() if k in AUTH_HEADERS}, number
        response = recorded["response"]
        content = response["body"] if answer is ... else answer
        return HttpResponse(
            status=response["status"],
            headers=CaseInsensitiveDict(response.get("headers") or {}),
            content=_raw(content),
            url=url,
        )

    def done(self) -> None:
        assert not self.queue, f"expected requests never sent: {[q[0] for q in self.queue]}"


def _raw(content: Any) -> bytes:
    if content is None or content == "":
        return b""  # the site sent no body: the reason is in X-Status-Reason [012]
    if isinstance(content, str) and content.lstrip().startswith("<"):
        return content.encode()  # an HTML page [123, 144]
    return json.dumps(content).encode()
