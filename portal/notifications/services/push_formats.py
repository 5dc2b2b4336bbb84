"""What the short channels get: a title and a plain-text body for Apprise services and for the
notification centre, plus the centre's kind and link. Rendered by services/messages.py in the
recipient's language, like every other channel's message."""

from __future__ import annotations

from django.template.loader import render_to_string

from portal.notifications.models import Delivery, Notification, is_before_due

BODY_MAX_CHARS = 4000


def notification_kind(delivery: Delivery, context: dict) -> str:
    if context["escalation"]:
        return Notification.Kind.ESCALATION
    steps = [e.step for e in context["due"] if e.step is not None]
    if steps and all(is_before_due(step) for step in steps):
        return Notification.Kind.BEFORE_DUE
    if delivery.shape == Delivery.Shape.DIGEST and len(context["due"]) + context["more_due"] > 1:
        return Notification.Kind.DIGEST
    return Notification.Kind.OVERDUE


def short_message(delivery: Delivery, context: dict, *, subject: str) -> tuple[str, str, dict]:
    """(title, text, payload) for one delivery; the payload holds the centre's kind and link."""
    text = render_to_string("notifications/push/reminder-body.txt", context).strip()
    due = context["due"]
    # One task: its page in the portal; several: the task inbox, which lists them all.
    link = f"/tasks/{due[0].site_id}/{due[0].task_id}/" if len(due) == 1 else "/"
    payload = {"kind": notification_kind(delivery, context), "link": link}
    return subject, text[:BODY_MAX_CHARS], payload
