"""Rendering a delivery into what its channel sends: an email (subject, text, HTML), Slack Block
Kit, or a webhook's JSON. Rendered at send time, in the recipient's language and zone, from the
tasks still open then: a task finished after planning is left out, and a delivery left with
nothing open is not sent at all.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from portal import clock
from portal.notifications import tokens
from portal.notifications.channels import Message
from portal.notifications.models import (
    Acknowledgement,
    Delivery,
    DeliveryItem,
    WatchedTask,
    is_before_due,
    is_escalation,
)
from portal.notifications.selectors import watched_open
from portal.notifications.services.formats import email_headers, slack_blocks, webhook_payload
from portal.notifications.services.push_formats import short_message
from portal.notifications.steps import step_text
from portal.sites.models import Site
from portal.sites.reading import zone_label, zone_named
from portal.sites.services.clients import site_features, site_task_url

DIGEST_MAX_TASKS = 200


@dataclass
class Entry:
    site_id: int
    site_name: str
    site_url: str
    task_id: str
    title: str
    priority: str
    status: str
    bucket: str
    due_date: datetime | None
    due_day: date | None  # the day itself, on sites whose due dates are days
    became_at: datetime
    overdue_for: str
    step: int | None  # None for a task a digest lists as "still overdue"
    step_label: str
    portal_url: str
    site_task_url: str
    done_url: str
    snooze_url: str
    done_token: str
    snooze_token: str
    # Not yet due (a reminder before the due time): ``due_in`` says how long is left.
    soon: bool = False
    due_in: str = ""
    ack_url: str = ""  # only where escalation can follow (overdue or late)
    ack_token: str = ""
    acknowledged_by: str = ""
    acknowledged_at: datetime | None = None


def absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL + path


def portal_task_url(site_id: int, task_id: str) -> str:
    """The portal's task page (/tasks/<site_id>/<task_id>/)."""
    return absolute(f"/tasks/{site_id}/{task_id}/")


def _due_day(task: WatchedTask, site: Site) -> date | None:
    """A plain due date is held as 00:00 of the day after (when it turns overdue): printed as
    that moment, a task due on the 1st would read "due the 2nd 00:00"."""
    if task.due_date is None or not (task.due_is_day or site_features(site).plain_due_dates):
        return None
    return (task.due_date.astimezone(ZoneInfo(site.time_zone or "UTC")) - timedelta(days=1)).date()


def _entry(
    task: WatchedTask, site: Site, *, step: int | None, delivery: Delivery, now: datetime,
    ack: Acknowledgement | None = None,
) -> Entry:  # fmt: skip
    def token(action: str) -> str:
        return tokens.action_token(
            action=action,
            site_id=task.site_id,
            task_id=task.task_id,
            recipient=delivery.recipient or f"channel:{delivery.channel_id}",
            delivery_id=delivery.pk,
        )

    done, snooze = token("done"), token("snooze")
    # A reminder before the due time reads "due in ..."; a late task (started before today)
    # keeps its lateness wording even when its due date is ahead.
    before_due = (step is not None and is_before_due(step)) or task.bucket == "soon"
    soon = before_due and task.due_date is not None and task.due_date > now
    escalates = task.bucket in ("overdue", "late") and ack is None
    ack_token = token("ack") if escalates else ""
    return Entry(
        site_id=site.pk,
        site_name=site.name,
        site_url=site.base_url,
        task_id=task.task_id,
        title=task.title or _("Task %(id)s") % {"id": task.task_id},
        priority=task.priority,
        status=task.status,
        bucket=task.bucket,
        due_date=task.due_date,
        due_day=_due_day(task, site),
        became_at=task.became_at,
        overdue_for=timesince(task.became_at, now),
        step=step,
        step_label=step_text(step) if step is not None else _("still open"),
        portal_url=portal_task_url(site.pk, task.task_id),
        site_task_url=site_task_url(site, task.task_id),
        done_url=absolute(reverse("notifications:act", args=[done])),
        snooze_url=absolute(reverse("notifications:act", args=[snooze])),
        done_token=done,
        snooze_token=snooze,
        soon=soon,
        due_in=timeuntil(task.due_date, now) if soon else "",
        ack_url=absolute(reverse("notifications:act", args=[ack_token])) if ack_token else "",
        ack_token=ack_token,
        acknowledged_by=ack.by if ack else "",
        acknowledged_at=ack.at if ack else None,
    )


def _weight(step: int) -> int:
    """The further escalation outranks the lead's, which outranks every repeat; a repeat
    outranks the first reminder, which outranks a reminder before the due time."""
    if step == DeliveryItem.ESCALATION_NEXT:
        return 2 * 10**6
    if step == DeliveryItem.ESCALATION:
        return 10**6
    return -1 if is_before_due(step) else step


def _acknowledgements(watched: dict) -> dict[tuple[int, str, str], Acknowledgement]:
    found: dict[tuple[int, str, str], Acknowledgement] = {}
    by_site: dict[int, list[str]] = {}
    for site_id, task_id in watched:
        by_site.setdefault(site_id, []).append(task_id)
    for site_id, task_ids in by_site.items():
        for ack in Acknowledgement.objects.filter(site_id=site_id, task_id__in=task_ids):
            found[(ack.site_id, ack.task_id, ack.episode)] = ack
    return found


def delivery_entries(
    delivery: Delivery, now: datetime
) -> tuple[list[Entry], list[Entry], int, int]:
    """(due entries, other still-open entries, due not listed, others not listed), most overdue
    first, open tasks only. Long digests list the first DIGEST_MAX_TASKS of each."""
    items = list(delivery.items.all())
    context_pairs = [(p[0], str(p[1])) for p in delivery.context]  # ids stored before as numbers
    watched = watched_open([(i.site_id, i.task_id) for i in items] + context_pairs)
    if not watched:
        return [], [], 0, 0
    sites = {s.pk: s for s in Site.objects.filter(pk__in={p[0] for p in watched})}
    acks = _acknowledgements(watched)
    # One entry per task: a lead who also holds the task gets its reminder and its escalation
    # in the same digest; the escalation says more, so it stands for both.
    steps: dict[tuple[int, str], tuple[WatchedTask, int]] = {}
    for item in items:
        task = watched.get((item.site_id, item.task_id))
        if task is None or item.site_id not in sites:
            continue  # finished since this was planned
        expected = task.due_episode if is_before_due(item.step) else task.episode
        if expected != item.episode:
            continue  # a new episode or due date (snoozed) since this was planned
        if is_escalation(item.step) and (task.site_id, task.task_id, task.episode) in acks:
            continue  # acknowledged since: no escalation goes out any more
        pair = (item.site_id, item.task_id)
        known = steps.get(pair)
        if known is None or _weight(item.step) > _weight(known[1]):
            steps[pair] = (task, item.step)
    due_items, seen = list(steps.values()), set(steps)
    other_tasks = [
        watched[pair]
        for pair in dict.fromkeys(context_pairs)
        if pair in watched and pair not in seen and pair[0] in sites
    ]
    order = lambda t: (t.became_at, t.site_id, t.task_id)  # noqa: E731
    due_items.sort(key=lambda pair: order(pair[0]))
    other_tasks.sort(key=order)

    def ack(task: WatchedTask) -> Acknowledgement | None:
        return acks.get((task.site_id, task.task_id, task.episode))

    due = [
        _entry(task, sites[task.site_id], step=step, delivery=delivery, now=now, ack=ack(task))
        for task, step in due_items[:DIGEST_MAX_TASKS]
    ]
    others = [
        _entry(task, sites[task.site_id], step=None, delivery=delivery, now=now, ack=ack(task))
        for task in other_tasks[:DIGEST_MAX_TASKS]
    ]
    return (due, others, max(0, len(due_items) - DIGEST_MAX_TASKS),
            max(0, len(other_tasks) - DIGEST_MAX_TASKS))  # fmt: skip


def _context(
    delivery: Delivery, due: list[Entry], others: list[Entry], more_due: int, more_others: int
) -> dict:
    language = delivery.language or "en"
    bidi = get_language_info(language)["bidi"] if language in dict(settings.LANGUAGES) else False
    unsubscribe = ""
    if delivery.recipient:
        token = tokens.unsubscribe_token(address=delivery.recipient)
        unsubscribe = absolute(reverse("notifications:unsubscribe", args=[token]))
    return {
        "delivery": delivery,
        "due": due,
        "others": others,
        "count": len(due) + more_due,
        "more_due": more_due,
        "more_others": more_others,
        "escalation": any(e.step is not None and is_escalation(e.step) for e in due),
        "all_soon": all(e.soon for e in due),
        "some_soon": any(e.soon for e in due),
        "language": language,
        "direction": "rtl" if bidi else "ltr",
        "recipient_name": delivery.recipient_name,
        # The email prints its times on the recipient's clock (message_render): it says which.
        "time_zone_label": zone_label(zone_named(delivery.time_zone) or ZoneInfo("UTC")),
        "portal_url": settings.PORTAL_BASE_URL + "/",
        "unsubscribe_url": unsubscribe,
    }


SUBJECT_MAX_CHARS = 200


def subject_line(text: str) -> str:
    """A subject is plain text on one line: every run of whitespace (CR, LF, U+2028...) becomes
    one space, so nothing a site's title holds can start another header; other control
    characters go; bounded, with an ellipsis when cut."""
    text = "".join(c for c in text if c.isspace() or unicodedata.category(c) != "Cc")
    text = " ".join(text.split())
    if len(text) > SUBJECT_MAX_CHARS:
        text = text[: SUBJECT_MAX_CHARS - 1].rstrip() + "…"
    return text


def render_email(kind: str, context: dict) -> tuple[str, str, str]:
    """The trio of templates of one email kind: subject and text body are plain text (their
    templates turn autoescape off), the HTML body is escaped."""
    base = f"notifications/email/{kind}"
    return (
        subject_line(render_to_string(f"{base}-subject.txt", context)),
        render_to_string(f"{base}-body.txt", context),
        render_to_string(f"{base}-body.html", context),
    )


def message_render(delivery: Delivery, *, now: datetime | None = None) -> Message | None:
    now = now or clock.now()
    with (
        translation.override(delivery.language or "en"),
        timezone.override(ZoneInfo(delivery.time_zone or "UTC")),
    ):
        due, others, more_due, more_others = delivery_entries(delivery, now)
        if not due:
            return None
        context = _context(delivery, due, others, more_due, more_others)
        message = Message(
            key=delivery.key,
            recipient=delivery.recipient,
            recipient_name=delivery.recipient_name,
            language=context["language"],
        )
        if delivery.channel_kind == "email":
            message.subject, message.text, message.html = render_email("reminder", context)
            message.headers = email_headers(delivery, context)
        elif delivery.channel_kind == "slack":
            blocks = slack_blocks(context)
            message.blocks = blocks
            message.text = blocks[0]["text"]["text"] + ": " + ", ".join(e.title for e in due[:5])
        elif delivery.channel_kind in ("apprise", "portal"):
            subject = subject_line(render_to_string("notifications/email/reminder-subject.txt",
                                                    context))  # fmt: skip
            message.subject, message.text, message.payload = short_message(
                delivery, context, subject=subject
            )
        else:
            message.payload = webhook_payload(delivery, context)
        return message
