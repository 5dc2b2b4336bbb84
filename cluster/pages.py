"""A person at the load balancer: logs in like a browser, and, while the check kills processes,
keeps asking for /healthz (anonymous) and a logged-in page, counting every answer that is not a
200 (a redirect to the login page included) and which backend gave each."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass

import requests

TIMEOUT = 15.0
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class PageError(RuntimeError):
    pass


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    if not found:
        raise PageError("no CSRF token in the page")
    return found.group(1)


def portal_login(base_url: str, *, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=TIMEOUT)
    page.raise_for_status()
    answer = session.post(
        f"{base_url}/accounts/login/",
        data={
            "csrfmiddlewaretoken": csrf_token(page.text),
            "username": username,
            "password": password,
            "next": "/",
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise PageError(f"login through the load balancer failed: HTTP {answer.status_code}")
    return session


@dataclass(frozen=True)
class Failure:
    at: float
    path: str
    what: str


class PagePoller:
    PATHS = ("/healthz", "/")

    def __init__(self, base_url: str, session: requests.Session, interval: float = 0.2) -> None:
        self.base_url = base_url
        self.session = session
        self.anonymous = requests.Session()
        self.interval = interval
        self.answers = 0
        self.backends: Counter[str] = Counter()
        self.failures: list[Failure] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="page-poller", daemon=True)

    def start(self) -> PagePoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=TIMEOUT + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            for path in self.PATHS:
                self._ask(path)
            self._stop.wait(self.interval)

    def _ask(self, path: str) -> None:
        client = self.anonymous if path == "/healthz" else self.session
        try:
            answer = client.get(self.base_url + path, allow_redirects=False, timeout=TIMEOUT)
        except requests.RequestException as error:
            self.failures.append(Failure(time.monotonic(), path, type(error).__name__))
            return
        self.answers += 1
        self.backends[answer.headers.get("X-Portal-Backend", "?")] += 1
        if answer.status_code != 200:
            where = answer.headers.get("Location", "")
            what = f"HTTP {answer.status_code}" + (f" to {where}" if where else "")
            self.failures.append(Failure(time.monotonic(), path, what))
