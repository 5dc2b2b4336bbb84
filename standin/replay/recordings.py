"""Sending a recorded request and reading the live answer, and the map of values a
site issued (recorded -> live): what any CRM's replay harness needs."""

from __future__ import annotations

import base64
import http.client
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit


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
