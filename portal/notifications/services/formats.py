"""What each channel kind is sent for a rendered delivery: Slack Block Kit, the webhook's JSON,
email headers; and the sample "Send test" sends."""

from __future__ import annotations

from email.utils import make_msgid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.notifications.channels import Message
from portal.notifications.models import Delivery, step_label

if TYPE_CHECKING:
    from portal.notifications.services.messages import Entry

SLACK_MAX_TASKS = 20  # 2 blocks each, under Block Kit's 50 per message


def _mrkdwn(text: str) -> str:
    # Slack's three control characters (https://docs.slack.dev/messaging/formatting-message-text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_blocks(context: dict) -> list[dict]:
    due: list[Entry] = context["due"]
    others: list[Entry] = context["others"]
    if context["escalation"]:
        heading = _("Escalation: overdue tasks of your team")
    elif context.get("all_soon"):
        heading = _("Tasks due soon")
    else:
        heading = _("Overdue tasks need attention")
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": heading}}]
    for entry in due[:SLACK_MAX_TASKS]:
        when = (
            _("due in %(left)s") % {"left": entry.due_in}
            if entry.soon
            else _("overdue for %(age)s") % {"age": entry.overdue_for}
        )
        line = (
            f"*<{entry.portal_url}|{_mrkdwn(entry.title)}>*\n"
            f"{_mrkdwn(entry.site_name)} · {_mrkdwn(entry.priority or '-')} · "
            + when
            + f" · {entry.step_label}"
        )
        if entry.acknowledged_by:
            line += "\n_" + _mrkdwn(_("Acknowledged by %(who)s") % {"who": entry.acknowledged_by})
            line += "_"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": line}})
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "done",
                        "style": "primary",
                        "text": {"type": "plain_text", "text": _("Done")},
                        "value": entry.done_token,
                    },
                    {
                        "type": "button",
                        "action_id": "snooze",
                        "text": {"type": "plain_text", "text": _("Snooze 1 day")},
                        "value": entry.snooze_token,
                    },
                    *(
                        [
                            {
                                "type": "button",
                                "action_id": "ack",
                                "text": {"type": "plain_text", "text": _("Acknowledge")},
                                "value": entry.ack_token,
                            }
                        ]
                        if entry.ack_token
                        else []
                    ),
                    {
                        "type": "button",
                        "action_id": "open",
                        "text": {"type": "plain_text", "text": _("Open on the site")},
                        "url": entry.site_task_url,
                    },
                ],
            }  # fmt: skip
        )
    hidden = len(due) - SLACK_MAX_TASKS + context["more_due"]
    still = len(others) + context["more_others"]
    if hidden > 0 or still:
        note = []
        if hidden > 0:
            note.append(
                ngettext("%(n)s more due now.", "%(n)s more due now.", hidden) % {"n": hidden}
            )
        if still:
            note.append(
                ngettext("%(n)s more still open.", "%(n)s more still open.", still) % {"n": still}
            )
        note.append(f"<{context['portal_url']}|" + _("Open the portal") + ">")
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " ".join(note)}]})
    return blocks


def webhook_payload(delivery: Delivery, context: dict) -> dict:
    def task(entry: Entry) -> dict:
        return {
            "site": entry.site_name, "site_id": entry.site_id, "task_id": entry.task_id,
            "title": entry.title, "priority": entry.priority, "status": entry.status,
            "bucket": entry.bucket,
            "due_date": entry.due_date.isoformat() if entry.due_date else None,
            "due_day": entry.due_day.isoformat() if entry.due_day else None,
            "overdue_since": None if entry.soon else entry.became_at.isoformat(),
            "step": step_label(entry.step) if entry.step is not None else None,
            "portal_url": entry.portal_url, "site_url": entry.site_task_url,
            "done_url": entry.done_url, "snooze_url": entry.snooze_url,
            "due_soon": entry.soon,
            "acknowledge_url": entry.ack_url or None,
            "acknowledged_by": entry.acknowledged_by or None,
            "acknowledged_at": entry.acknowledged_at.isoformat() if entry.acknowledged_at else None,
        }  # fmt: skip

    return {
        "type": "task.reminder",
        "delivery": delivery.key,
        "rule": delivery.rule_name,
        "recipient": delivery.recipient or None,
        "planned_at": delivery.created_at.isoformat(),
        "tasks": [task(e) for e in context["due"]],
        "tasks_not_listed": context["more_due"],
        "also_open": [task(e) for e in context["others"]],
    }


def email_headers(delivery: Delivery, context: dict) -> dict[str, str]:
    domain = urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"
    headers = {
        # The same Message-ID on a replay lets mail clients fold a repeat into one.
        "Message-ID": f"<{delivery.key[:40]}@{domain}>",
        "Auto-Submitted": "auto-generated",  # RFC 3834: no auto-replies to reminders
        "X-Portal-Delivery": delivery.key,
    }
    if context["unsubscribe_url"]:
        # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" to the URL.
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def test_message(channel, *, recipient: str = "") -> Message:
    """What "Send test" sends: a sample task, nothing from any site."""
    key = make_msgid(domain="portal.test").strip("<>")[:64]
    subject = _("Test message from the task portal")
    text = _("This channel works: reminders for overdue tasks will arrive here.")
    message = Message(key=key, recipient=recipient.lower(), recipient_name=recipient,
                      subject=subject, text=text)  # fmt: skip
    message.html = f"<p>{text}</p>"
    message.blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(text)}}]
    message.payload = {"type": "test", "delivery": key, "text": text, "tasks": []}
    return message
