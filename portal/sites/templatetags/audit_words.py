"""The audit log in words on every page that shows it (the log itself, a task's history)."""

from django import template

from portal.sites.audit import audit_action_label, audit_changes_words

register = template.Library()


@register.filter
def action_words(action: str) -> str:
    return audit_action_label(action)


@register.filter
def change_words(changes: dict | None) -> list[tuple[str, str]]:
    return audit_changes_words(changes)
