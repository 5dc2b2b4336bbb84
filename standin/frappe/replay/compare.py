"""Comparing a live answer with a recorded Frappe one, as replay.json's rules say:
status, the location of redirects, and the JSON body's keys and values in
order (lists element by element); HTML only by its page title; the keys in
`ignore_always` never; `normalise` entries per file."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from standin.frappe.replay.recordings import RECORDED_BASE
from standin.replay.compare import Mismatch, live_title
from standin.replay.recordings import Live

_MARKER = re.compile(r"^<\d+ bytes of HTML or text(?: titled '(.*)')? omitted>$", re.S)


def html_marker_title(body) -> tuple[bool, str | None]:
    """(is an HTML marker, its title) for a recorded body."""
    if isinstance(body, str):
        m = _MARKER.match(body)
        if m:
            return True, m.group(1)
    return False, None


def trim_traceback(text: str) -> str:
    """How the recordings keep a traceback: its last line (INDEX.md)."""
    lines = [ln for ln in str(text).splitlines() if ln.strip()]
    return "Traceback (trimmed) ... " + (lines[-1] if lines else "")


def normalise_location(location: str | None, base: str) -> str | None:
    """Base URL as a placeholder; authorization codes and state masked."""
    if location is None:
        return None
    text = location.replace(quote(base, safe=""), "{BASE}").replace(base, "{BASE}")
    text = re.sub(r"((?:^|[?&])(?:code|state)=)[^&]*", r"\1*", text)
    return re.sub(r"((?:%3F|%26)(?:code|state)%3D)[^%&]*", r"\1*", text)


class Comparer:
    def __init__(self, file: str, ignore: set[str], normalise: list[str]) -> None:
        self.file = file
        self.ignore = ignore
        self.sets = {n[4:] for n in normalise if n.startswith("set:")}
        self.anys = {n[4:] for n in normalise if n.startswith("any:")}
        self.masks = [re.compile(n[3:]) for n in normalise if n.startswith("re:")]
        self.out: list[Mismatch] = []

    def miss(self, path: str, expected, got) -> None:
        self.out.append(Mismatch(self.file, path, expected, got))

    def _text(self, value: str) -> str:
        for mask in self.masks:
            value = mask.sub("*", value)
        return value

    def _decoded(self, key: str, value):
        """`_server_messages` and `exc` are JSON inside strings: compare inside."""
        if not isinstance(value, str):
            return value
        try:
            outer = json.loads(value)
        except ValueError:
            return value
        if key == "_server_messages" and isinstance(outer, list):
            return [json.loads(m) if isinstance(m, str) else m for m in outer]
        if key == "exc" and isinstance(outer, list):
            return [
                trim_traceback(t) if not str(t).startswith("Traceback (trimmed)") else t
                for t in outer
            ]
        return value

    def values(self, exp, got, path: str = "$") -> None:
        if path in self.anys:
            if got in (None, "", [], {}):
                self.miss(path, "any non-empty value", got)
            return
        if isinstance(exp, dict) and isinstance(got, dict):
            keys_e = [k for k in exp if k not in self.ignore]
            keys_g = [k for k in got if k not in self.ignore]
            if keys_e != keys_g:
                self.miss(path + " (keys)", keys_e, keys_g)
            for key in keys_e:
                if key in got:
                    self.values(
                        self._decoded(key, exp[key]), self._decoded(key, got[key]), f"{path}.{key}"
                    )
            return
        if isinstance(exp, list) and isinstance(got, list):
            if path in self.sets:
                canon = lambda xs: sorted(json.dumps(x, sort_keys=True) for x in xs)  # noqa: E731
                if canon(exp) != canon(got):
                    self.miss(path + " (as a set)", exp, got)
                return
            if len(exp) != len(got):
                self.miss(path + " (length)", len(exp), len(got))
            for i, (e, g) in enumerate(zip(exp, got, strict=False)):
                self.values(e, g, f"{path}[{i}]")
            return
        if isinstance(exp, str) and isinstance(got, str):
            if self._text(exp) != self._text(got):
                self.miss(path, exp, got)
            return
        numbers = (int, float)
        if (
            isinstance(exp, bool)
            or isinstance(got, bool)
            or not (isinstance(exp, numbers) and isinstance(got, numbers))
        ):
            same = type(exp) is type(got) and exp == got
        else:
            same = exp == got
        if not same:
            self.miss(path, exp, got)


def shape(value):
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted({json.dumps(shape(v), sort_keys=True) for v in value})
    if value is None:
        return "null"
    return type(value).__name__


def compare(rec, live: Live, *, base: str, subs, ignore: set[str], kind: str) -> list[Mismatch]:
    """The mismatches between a live answer and its recording (empty: reproduced)."""
    cmp = Comparer(rec.file, ignore, rec.rule.get("normalise", []))
    expected = rec.response
    if live.status != expected["status"]:
        cmp.miss("status", expected["status"], live.status)
    rec_loc = (expected.get("headers") or {}).get("location")
    if rec_loc is not None or 300 <= live.status < 400:
        exp_loc = normalise_location(subs.text(rec_loc) if rec_loc else None, RECORDED_BASE)
        got_loc = normalise_location(live.location, base)
        if exp_loc != got_loc:
            cmp.miss("header location", exp_loc, got_loc)
    is_html, title = html_marker_title(expected["body"])
    if is_html:
        got_title = live_title(live) if live.body else None
        if got_title != title:
            cmp.miss("html title", title, got_title)
        return cmp.out
    got = live.json()
    if expected["body"] is not None and got is None:
        cmp.miss("body", "JSON", live.body[:200].decode("utf-8", errors="replace"))
        return cmp.out
    exp_body = subs.deep(expected["body"])
    exp_body = json.loads(json.dumps(exp_body).replace(RECORDED_BASE, base))
    if kind == "shape":
        if shape(exp_body) != shape(got):
            cmp.values(shape(exp_body), shape(got), "$ (shape)")
        return cmp.out
    cmp.values(exp_body, got)
    return cmp.out
