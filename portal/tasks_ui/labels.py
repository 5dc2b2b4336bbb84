"""The portal's words for its four task statuses, which every site's own statuses map onto.
One table for the forms, the pages and the messages; the "task status" context keeps them apart
from the "Done" button and other words spelled alike."""

from django.utils.translation import pgettext_lazy

STATUS_LABELS = {
    "open": pgettext_lazy("task status", "Open"),
    "in_progress": pgettext_lazy("task status", "In progress"),
    "done": pgettext_lazy("task status", "Done"),
    "cancelled": pgettext_lazy("task status", "Cancelled"),
}


def status_label(status: str) -> str:
    """The status in the reader's language; an unknown value as it came."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status


# The sites' own words for priorities, statuses and task types, as the three kinds of CRM spell
# them (Frappe CRM, Django-CRM, EspoCRM; the contract READMEs and recordings), matched without
# regard to case. A reader in another language sees the translation, with the site's own word
# on hover (``site_word``); a word no table holds is shown as the site wrote it.
_SITE_WORDS = {
    # priorities
    "low": pgettext_lazy("task priority", "Low"),
    "medium": pgettext_lazy("task priority", "Medium"),
    "normal": pgettext_lazy("task priority", "Normal"),
    "high": pgettext_lazy("task priority", "High"),
    "urgent": pgettext_lazy("task priority", "Urgent"),
    # statuses
    "backlog": pgettext_lazy("site task status", "Backlog"),
    "todo": pgettext_lazy("site task status", "Todo"),
    "new": pgettext_lazy("site task status", "New"),
    "not started": pgettext_lazy("site task status", "Not Started"),
    "started": pgettext_lazy("site task status", "Started"),
    "in progress": pgettext_lazy("site task status", "In Progress"),
    "done": pgettext_lazy("site task status", "Done"),
    "completed": pgettext_lazy("site task status", "Completed"),
    "canceled": pgettext_lazy("site task status", "Canceled"),
    "cancelled": pgettext_lazy("site task status", "Cancelled"),
    "deferred": pgettext_lazy("site task status", "Deferred"),
    "late": pgettext_lazy("site task status", "Late"),
    # task types
    "call": pgettext_lazy("task type", "Call"),
    "property showing": pgettext_lazy("task type", "Property showing"),
    "whatsapp message": pgettext_lazy("task type", "WhatsApp message"),
    "team meeting": pgettext_lazy("task type", "Team meeting"),
    "lead meeting": pgettext_lazy("task type", "Lead meeting"),
    "meeting": pgettext_lazy("task type", "Meeting"),
    "email": pgettext_lazy("task type", "Email"),
    "other": pgettext_lazy("task type", "Other"),
}


def site_word(value: str | None) -> str:
    """A site's priority, status or task type in the reader's language; an unknown word, and
    any word for an English reader, as the site wrote it (its own capitalisation)."""
    if not value:
        return ""
    label = _SITE_WORDS.get(value.strip().casefold())
    if label is None:
        return value
    text = str(label)
    # English readers see the site's own spelling ("In Progress", "call"), as before.
    return value if text.casefold() == value.strip().casefold() else text
