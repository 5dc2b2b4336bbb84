"""A task's further fields (those a site returns beyond the portal's own, ``Task.extra``) as
a person reads them: a label for each, values in words, and the site's bookkeeping left out.

Frappe CRM answers with fields such as ``has_reminder``, ``meeting_attendees``,
``modified_by`` and ``reference_doctype`` (contract recordings); shown under their raw names
they read like a database dump."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

_LABELS = {
    "has_reminder": gettext_lazy("Reminder set on the site"),
    "meeting_attendees": gettext_lazy("Meeting attendees"),
    "modified_by": gettext_lazy("Last changed by"),
    "owner": gettext_lazy("Created by"),
    "reference_doctype": gettext_lazy("Linked to"),
    "reference_docname": gettext_lazy("Linked record"),
    "reference_name": gettext_lazy("Linked record"),
    "parent_type": gettext_lazy("Linked to"),
    "parent_id": gettext_lazy("Linked record"),
    "parentType": gettext_lazy("Linked to"),
    "parentId": gettext_lazy("Linked record"),
    "parentName": gettext_lazy("Linked record"),
    "account": gettext_lazy("Account"),
    "contacts": gettext_lazy("Contacts"),
    "teams": gettext_lazy("Teams"),
    "tags": gettext_lazy("Tags"),
    "created_by": gettext_lazy("Created by"),
    "updated_by": gettext_lazy("Last changed by"),
    "modifiedByName": gettext_lazy("Last changed by"),
    "createdByName": gettext_lazy("Created by"),
    "dateCompleted": gettext_lazy("Completed on"),
    "isOverdue": gettext_lazy("Overdue on the site"),
}
# Fields that name a person: shown as the person's name, as everywhere else.
_PEOPLE = {"modified_by", "owner", "created_by", "updated_by"}
# The site's own bookkeeping: nothing a person acts on.
_HIDDEN = {
    "docstatus", "idx", "doctype", "name", "parent", "parentfield", "parenttype",
    "_comments", "_liked_by", "_user_tags", "_seen", "id", "deleted",
    "versionNumber", "org", "org_id", "assigned_to",
}  # fmt: skip
# Linked record kinds as the sites name them.
_KINDS = {
    "crm lead": pgettext_lazy("linked record", "Lead"),
    "crm deal": pgettext_lazy("linked record", "Deal"),
    "lead": pgettext_lazy("linked record", "Lead"),
    "deal": pgettext_lazy("linked record", "Deal"),
    "opportunity": pgettext_lazy("linked record", "Opportunity"),
    "account": pgettext_lazy("linked record", "Account"),
    "contact": pgettext_lazy("linked record", "Contact"),
    "case": pgettext_lazy("linked record", "Case"),
}


def field_label(key: str) -> str:
    """A field's label; one the table lacks reads as words ("next_step" → "Next step")."""
    label = _LABELS.get(key)
    if label is not None:
        return str(label)
    words = key.strip("_").replace("_", " ")
    # camelCase (EspoCRM) to words
    spaced = "".join(f" {ch.lower()}" if ch.isupper() else ch for ch in words).strip()
    return spaced[:1].upper() + spaced[1:]


def field_text(key: str, value: Any, person: Callable[[str], str]) -> str:
    """A value in words: yes/no for flags (Frappe sends 0 and 1), lists joined, people by
    name, a linked record's kind in the reader's language; nothing as a dash."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool) or (key.startswith(("has_", "is_")) and value in (0, 1)):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        items = [_item_text(item, person) for item in value]
        return _(", ").join(item for item in items if item) or "—"
    if isinstance(value, dict):
        return _item_text(value, person) or "—"
    text = str(value)
    if key in _PEOPLE:
        return person(text)
    if key.endswith(("doctype", "type", "Type")):
        kind = _KINDS.get(text.casefold())
        if kind is not None:
            return str(kind)
    return text


def _item_text(item: Any, person: Callable[[str], str]) -> str:
    if isinstance(item, dict):
        for key in ("full_name", "name", "user", "email", "attendee", "id"):
            if item.get(key):
                return (
                    person(str(item[key]))
                    if key in ("user", "email", "attendee")
                    else str(item[key])
                )
        return ""
    return str(item)


def extra_fields(extra: dict[str, Any], person: Callable[[str], str]) -> list[tuple[str, str]]:
    """``[(label, value), ...]`` of the fields worth showing, by label."""
    shown = [
        (field_label(key), field_text(key, value, person))
        for key, value in extra.items()
        if key not in _HIDDEN
    ]
    return sorted(shown, key=lambda pair: pair[0].casefold())
