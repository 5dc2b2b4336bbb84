"""What an answer would cost a real site: a delay per endpoint and per row, for benchmarks.

The stand-in answers from an in-memory SQLite table, 150-200 times faster per row than a real
Frappe site for the mobile_api lists, so a benchmark against it cannot see what a call costs on
a real site. With the cost model on (site config `cost_model`, or `POST /_standin/cost-model`),
each answer is held back by what the real site spent on it, from the figures measured in
`../shared/contract/README.md`. It is off by default: tests and the replay see no delay.

The delay is `scale * (base + per_row * rows + per_1000_tasks * site_tasks / 1000)`, where
`rows` is what the answer returned (or, for main_page_buckets, loaded: one document per row) and
`site_tasks` the site's task count. It is a sleep in the request's own thread (the server is
threaded), after the answer is made, for what the model says less what making the answer took
here (so the stand-in's own work never adds to a real site's cost), on top of any latency fault.

The figures ("1,018" is the README's table "Measured on the same site with 1,018 tasks", "grown"
its table of the site grown to 1,002 / 10,002 / 30,002 tasks):

- home_tasks: 0.03 s + 3 ms a row. 1,018: `home_tasks?limit=20`, 20 rows, 0.09 s.
- filter_tasks: 0.026 s + 2.34 ms a row, the straight line through 1,018: `limit=100` 0.26 s and
  `limit=1000` 2.37 s ("about 2.3 ms per task"). The second site took 3.2-4.0 s for a page of
  1,000 (grown), so real sites can be up to 1.7 times slower.
- main_page_buckets: 4.6 ms a returned row + 0.02 s per 1,000 tasks of the site, fitted (least
  relative error) to grown: `min_each=500` 2.9 s / 5.7 s / 7.5 s at 1,002 / 10,002 / 30,002
  tasks, `min_each=2000` 25.8 s and `min_each=8000` 68.6 s at 30,002 ("about 5 ms per task it
  returns"), and 1,018: `min_each=500` 2.32 s, `min_each=50` 0.54 s, with the rows the stand-in's
  own seed data returns for those calls (130 to 13,742). The model gives 3.2 s / 6.0 s / 7.5 s /
  22.3 s / 63.8 s and 0.62 s: within 15 % except the 1,018 site's 2.32 s (the real site returned
  607 rows where the seed returns 698). Most of the growth with site size is the buckets filling
  up to `min_each`; the size term is the three full-table queries behind them.
- The generic list (`GET /api/resource/CRM Task`, `frappe.client.get_list`): 0.01 s + 0.03 ms a
  row. 1,018: 1,000 rows 0.04 s, the overdue query (290 rows) 0.02 s; grown: a page of 1,000
  0.03-0.04 s at every size.
- `frappe.client.get_count`: 0.01 s (grown, at every size).
- One document (`GET /api/resource/<doctype>/<name>`): 0.01 s. A guess: not measured; like
  get_count, one indexed query.
- Writes (mobile_api create/edit/update_status/delete, resource POST/PUT/PATCH/DELETE): 0.07 s.
  A guess: not measured; a save runs validation hooks, the assignment and the version log.
- Anything else answered by the site (login, OAuth, meta, who am I, pages), and answers that are
  errors: 0.01 s. A guess: the cheapest measured call.

Control requests are never delayed, and faulted answers that replace the site's answer (error,
html, rate_limit) or never come (timeout, refuse) cost nothing extra.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import unquote

MOBILE = "crm.api.mobile_api."


@dataclass(frozen=True)
class Cost:
    base_s: float
    per_row_ms: float = 0.0
    per_1000_tasks_s: float = 0.0


COSTS: dict[str, Cost] = {
    "home_tasks": Cost(0.03, per_row_ms=3.0),
    "filter_tasks": Cost(0.026, per_row_ms=2.34),
    "main_page_buckets": Cost(0.0, per_row_ms=4.6, per_1000_tasks_s=0.02),
    "list": Cost(0.01, per_row_ms=0.03),
    "count": Cost(0.01),
    "get": Cost(0.01),
    "write": Cost(0.07),
    "other": Cost(0.01),
}
MOBILE_LISTS = ("home_tasks", "filter_tasks", "main_page_buckets")
MOBILE_WRITES = ("create_task", "edit_task", "update_task", "update_status", "delete_task")
MAX_SCALE = 100.0


def endpoint(method: str, path: str) -> str:
    """Which line of COSTS a request is charged by."""
    method = method.upper()
    if path.startswith("/api/method/"):
        name = path[len("/api/method/") :].strip("/")
        if name.startswith(MOBILE):
            short = name[len(MOBILE) :]
            if short in MOBILE_LISTS:
                return short
            if short in MOBILE_WRITES:
                return "write"
        if name == "frappe.client.get_count":
            return "count"
        if name == "frappe.client.get_list":
            return "list"
        return "other"
    if path.startswith("/api/resource/"):
        _doctype, _, name = unquote(path[len("/api/resource/") :]).strip("/").partition("/")
        if method != "GET":
            return "write"
        return "get" if name else "list"
    return "other"


def seconds_for(line: str, rows: int, site_tasks: int, scale: float = 1.0) -> float:
    cost = COSTS[line]
    total = cost.base_s + cost.per_row_ms * rows / 1000 + cost.per_1000_tasks_s * site_tasks / 1000
    return scale * total


def _scale(value) -> float:
    scale = float(value)
    if not 0 < scale <= MAX_SCALE:
        raise ValueError(f"cost_model scale must be above 0 and at most {MAX_SCALE:g}")
    return scale


def check(data) -> dict:
    """The config's `cost_model`: `true`/`false` or `{"enabled": bool, "scale": number}`."""
    if isinstance(data, bool):
        return {"enabled": data, "scale": 1.0}
    if not isinstance(data, dict):
        raise ValueError("cost_model must be true, false or {enabled, scale}")
    unknown = sorted(set(data) - {"enabled", "scale"})
    if unknown:
        raise ValueError(f"cost_model: unknown keys {unknown}")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError("cost_model enabled must be true or false")
    return {"enabled": enabled, "scale": _scale(data.get("scale", 1.0))}


class CostModel:
    """One site's cost model, switchable at run time."""

    def __init__(self, site) -> None:
        self.site = site
        self.enabled = False
        self.scale = 1.0
        self.stopping = threading.Event()  # set when the site closes: sleeping answers leave

    def configure(self, enabled: bool | None = None, scale: float | None = None) -> None:
        if enabled is not None:
            if not isinstance(enabled, bool):
                raise ValueError("enabled must be true or false")
            self.enabled = enabled
        if scale is not None:
            self.scale = _scale(scale)

    def state(self) -> dict:
        return {"enabled": self.enabled, "scale": self.scale}

    def seconds(self, req, resp) -> float:
        """The delay this answer would have cost a real site (0 when the model is off)."""
        if not self.enabled:
            return 0.0
        line = endpoint(req.method, req.path) if resp.status < 400 else "other"
        cost = COSTS[line]
        rows = int(getattr(req, "rows", None) or 0) if cost.per_row_ms else 0
        site_tasks = self.site.store.count() if cost.per_1000_tasks_s else 0
        return seconds_for(line, rows, site_tasks, self.scale)

    def apply(self, req, resp, *, spent: float = 0.0) -> float:
        """Holds the answer back until it has cost what a real site's would (``spent``: what
        making it took here already), in this request's thread; returns the modelled seconds."""
        delay = self.seconds(req, resp)
        if delay > spent:
            self.stopping.wait(delay - spent)
        return delay
