"""The three kinds of site the portal meets (contract README, "Three flavours").

- deployed: the crm app with mobile_api as recorded (statuses with lowercase
  `late`, lowercase task types, `page` paging, double envelope) [016, 021, 026].
- documented: the published v2.0 reference (`../shared/seeds/000_...txt`):
  Open/In Progress/Completed/Cancelled, `limit`+`offset`, `{"message":{"data"}}`.
- plain: upstream Frappe CRM without mobile_api; generic REST only [245, 246].
"""

from __future__ import annotations

from dataclasses import dataclass

DEPLOYED_TASK_TYPES = (
    "call",
    "property showing",
    "whatsapp message",
    "team meeting",
    "lead meeting",
    "other",
)
PRIORITIES = ("Low", "Medium", "High")


@dataclass(frozen=True)
class Flavour:
    name: str
    statuses: tuple[str, ...]
    default_status: str
    open_statuses: tuple[str, ...]  # the "late" bucket and the periodic switch look at these
    closed_statuses: tuple[str, ...]  # finished
    late_status: str | None  # None: the flavour has no overdue switch
    has_task_type: bool
    task_type_is_select: bool
    has_mobile_api: bool
    # Statuses the validate hook and the periodic job leave alone on an overdue task. A real
    # CRM site exempts only Done: an overdue task saved as Canceled, Todo or In Progress comes
    # back `late` with a 200 (contract README, "Learned on a second real site").
    late_exempt: tuple[str, ...] = ()

    def select_options(self, task_types: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        """Select fields in the doctype's field order (validation order) [021, 020, 016]."""
        out: dict[str, tuple[str, ...]] = {}
        if self.has_task_type and self.task_type_is_select:
            out["task_type"] = task_types
        out["priority"] = PRIORITIES
        out["status"] = self.statuses
        return out


DEPLOYED = Flavour(
    name="deployed",
    statuses=("Todo", "Backlog", "In Progress", "Done", "Canceled", "late"),
    default_status="Todo",
    open_statuses=("Backlog", "Todo", "In Progress"),
    closed_statuses=("Done", "Canceled"),
    late_status="late",
    has_task_type=True,
    task_type_is_select=True,
    has_mobile_api=True,
    late_exempt=("Done",),
)

DOCUMENTED = Flavour(
    name="documented",
    statuses=("Open", "In Progress", "Completed", "Cancelled"),
    default_status="Open",
    open_statuses=("Open", "In Progress"),
    closed_statuses=("Completed", "Cancelled"),
    late_status=None,
    has_task_type=True,
    task_type_is_select=False,  # "Task category/type", free text in the reference
    has_mobile_api=True,
)

PLAIN = Flavour(
    name="plain",
    statuses=("Backlog", "Todo", "In Progress", "Done", "Canceled"),
    default_status="Backlog",
    open_statuses=("Backlog", "Todo", "In Progress"),
    closed_statuses=("Done", "Canceled"),
    late_status=None,
    has_task_type=False,
    task_type_is_select=False,
    has_mobile_api=False,
)

FLAVOURS = {f.name: f for f in (DEPLOYED, DOCUMENTED, PLAIN)}
