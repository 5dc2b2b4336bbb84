"""What the tests compare pages with: every task a stand-in site holds, bucketed by the portal's
one definition, computed here from the site's raw rows (not through the pages' code paths)."""

from __future__ import annotations

import re
import time
from collections import Counter
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from portal.sites.backends.frappe import bucket
from portal.sites.backends.frappe.client.parse import parse_task

# The Django-CRM stand-in of the ``jeddah`` fixture: its organisation's zone and users.
JEDDAH_ZONE = "Asia/Riyadh"
JEDDAH_ADMIN, JEDDAH_SALES1 = "admin@jeddah.test", "sales1@jeddah.test"

ROW = re.compile(r'<tr id="task-(\d+)-([A-Za-z0-9_.-]+)"')


def all_tasks(handle, zone: str):
    rows = handle.control.tasks(limit=100000)
    return [parse_task(row, zone=ZoneInfo(zone), site=handle.name) for row in rows]


def expected_buckets(handle, zone: str, now, *, user: str | None = None) -> Counter:
    counts: Counter = Counter()
    for task in all_tasks(handle, zone):
        if user and not task.is_assigned_to(user):
            continue
        where = bucket(task, now)
        if where == "today" and not task.is_open:
            where = "today_finished"
        if where:
            counts[where] += 1
    return counts


def page_counts(html: str) -> dict[str, int]:
    found = re.findall(r'data-bucket="(\w+)" data-count="(\d+)"', html)
    return {name: int(count) for name, count in found}


def row_keys(html: str) -> list[tuple[int, str]]:
    return [(int(s), t) for s, t in ROW.findall(html)]


def requests_since(handle, seq: int) -> list[dict]:
    """Requests the site logged after ``seq``; read until the log stops growing (the stand-in
    logs a request just after answering it)."""
    previous = None
    for _ in range(40):
        time.sleep(0.025)
        entries = [
            e for e in handle.control.log(since=seq) if not e["path"].startswith("/_standin")
        ]
        if previous is not None and len(entries) == len(previous):
            return entries
        previous = entries
    return previous or []


def last_seq(handle) -> int:
    time.sleep(0.05)
    entries = handle.control.log()
    return max((e["seq"] for e in entries), default=0)


class _FormParser(HTMLParser):
    """Collects what a browser would submit for the form whose action is ``action``."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("action") == self.action:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button"):
                self.data.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = attrs.get("name"), ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None


def form_data(html: str, action: str) -> dict[str, list[str]]:
    parser = _FormParser(action)
    parser.feed(html)
    out: dict[str, list[str]] = {}
    for name, value in parser.data:
        out.setdefault(name, []).append(value)
    return out


def single(data: dict[str, list[str]], **changes) -> dict:
    """Form data for Django's test client: lists stay lists, changes replace values."""
    out = {k: (v if len(v) > 1 or k == "assignees" else v[0]) for k, v in data.items()}
    out.update(changes)
    return out
