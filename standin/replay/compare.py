"""What any CRM's replay harness reports and reads off a live answer: a mismatch
(file, JSON path, expected, got) and an HTML page's title."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from standin.replay.recordings import Live

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


@dataclass
class Mismatch:
    file: str
    path: str
    expected: object
    got: object

    def line(self) -> str:
        def short(v):
            text = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else repr(v)
            return text if len(text) <= 160 else text[:157] + "..."

        return (
            f"  {self.file}  {self.path}\n      expected {short(self.expected)}\n"
            f"      got      {short(self.got)}"
        )


def live_title(live: Live) -> str | None:
    if "html" not in live.content_type:
        return "<not HTML>"
    m = _TITLE.search(live.body.decode("utf-8", errors="replace"))
    return html.unescape(m.group(1)).strip() if m else None
