"""Seed data: any number of tasks up to 100,000, fast and deterministic.

The mix is what a real site's listings have to cope with: every status and
priority, Arabic and English titles, tasks assigned or not, and each kind of
day: overdue (most already switched to `late`, some not, as on a site whose
scheduler is off [244]), started earlier and still open (the late bucket),
today, and upcoming.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

EN_NAMES = ("Ahmed", "Fatima", "Omar", "Layla", "Khalid", "Sara", "Youssef", "Nour")
AR_NAMES = ("أحمد", "فاطمة", "عمر", "ليلى", "خالد", "سارة", "يوسف", "نور")
PLACES_EN = ("Al Olaya", "King Fahd Road", "Diplomatic Quarter", "Hittin", "Al Malqa")
PLACES_AR = ("العليا", "طريق الملك فهد", "الحي الدبلوماسي", "حطين", "الملقا")
EN_TITLES = (
    "Call {name} about unit {n}",
    "Property showing at {place}",
    "Send brochure to {name}",
    "Follow up with {name} on the offer",
    "Team meeting: weekly pipeline",
    "WhatsApp {name} the floor plan",
)
AR_TITLES = (
    "متابعة العميل {name}",
    "اتصال مع {name} بخصوص الوحدة {n}",
    "معاينة عقار في {place}",
    "إرسال عرض سعر إلى {name}",
    "اجتماع الفريق الأسبوعي",
)
STATUS_WEIGHTS = {
    "deployed": (
        ("Todo", 35),
        ("In Progress", 20),
        ("Backlog", 15),
        ("Done", 20),
        ("Canceled", 10),
    ),
    "documented": (("Open", 50), ("In Progress", 20), ("Completed", 20), ("Cancelled", 10)),
    "plain": (("Todo", 35), ("In Progress", 20), ("Backlog", 15), ("Done", 20), ("Canceled", 10)),
}
PRIORITY_WEIGHTS = (("Low", 30), ("Medium", 45), ("High", 25))
FMT = "%Y-%m-%d %H:%M:%S"


def _weighted(rng: random.Random, pairs, k: int) -> list:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=k)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def generate(
    *,
    size: int,
    seed: int,
    first_id: int,
    now: datetime,
    flavour,
    task_types: tuple[str, ...],
    owners: list[str],
    assignees: list[str],
    days: int = 20,
) -> list[dict]:
    """`size` task rows with ids from `first_id`, around `now` (naive site time).

    Written for speed (100,000 rows in about a second): times are whole seconds
    from today's midnight and dates come from a precomputed table.
    """
    rng = random.Random(seed)
    rand = rng.random
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    span = days + 10
    day_text = {d: (today + timedelta(days=d)).strftime("%Y-%m-%d") for d in range(-span, span)}
    now_sec = (now - today).days * 86400 + (now - today).seconds
    now_text = now.strftime(FMT)
    statuses = _weighted(rng, STATUS_WEIGHTS[flavour.name], size)
    priorities = _weighted(rng, PRIORITY_WEIGHTS, size)
    owners = owners or ["Administrator"]
    types = task_types if flavour.has_task_type else (None,)
    late, closed = flavour.late_status, flavour.closed_statuses
    n_ar, n_en = len(AR_NAMES), len(EN_NAMES)

    def stamp(sec: int) -> str:
        day, rest = divmod(sec, 86400)
        return f"{day_text[day]} {_clock(rest)}"

    rows = []
    for i in range(size):
        day = int(rand() * (2 * days + 1)) - days
        hour = 8 + int(rand() * 10)
        start_sec = day * 86400 + hour * 3600
        start = f"{day_text[day]} {hour:02d}:00:00"
        due = None
        if rand() < 0.7:
            due = f"{day_text[day + int(rand() * 5)]} 17:00:00"
        if rand() < 0.5:
            title = AR_TITLES[int(rand() * len(AR_TITLES))].format(
                name=AR_NAMES[int(rand() * n_ar)],
                n=1 + int(rand() * 300),
                place=PLACES_AR[int(rand() * len(PLACES_AR))],
            )
        else:
            title = EN_TITLES[int(rand() * len(EN_TITLES))].format(
                name=EN_NAMES[int(rand() * n_en)],
                n=1 + int(rand() * 300),
                place=PLACES_EN[int(rand() * len(PLACES_EN))],
            )
        status = statuses[i]
        if late and due and due < now_text and status not in closed and rand() < 0.8:
            status = late  # switched on save; the rest wait for the periodic job
        created = min(start_sec - int(rand() * 6) * 86400 - int(rand() * 600) * 60, now_sec)
        modified = min(created + int(rand() * 3000) * 60, now_sec)
        assigned = assignees[int(rand() * len(assignees))] if assignees and rand() < 0.6 else None
        owner = owners[int(rand() * len(owners))]
        rows.append(
            {
                "name": first_id + i,
                "owner": owner,
                "modified_by": owner,
                "creation": stamp(created) + ".000000",
                # Distinct microseconds keep `modified desc` a total order, as on a real site.
                "modified": f"{stamp(modified)}.{(i * 7919) % 1_000_000:06d}",
                "docstatus": 0,
                "idx": 0,
                "task_type": types[int(rand() * len(types))],
                "title": title,
                "priority": priorities[i],
                "start_date": start,
                "reference_doctype": "CRM Lead",
                "assigned_to": assigned,
                "status": status,
                "due_date": due,
                "description": f"<p>{title}</p>" if rand() < 0.3 else None,
                "has_reminder": 0,
                "_assign": f'["{assigned}"]' if assigned else None,
            }
        )
    return rows
