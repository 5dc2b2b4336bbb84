"""A task as a card of the board, rendered in Python as the table row is (``task_rows``):
a board shows up to a hundred cards, and a card reads the same as the task's row everywhere
else (the same helpers for the priority, the due date and people's names).

Stable hooks for scripts (board.js, and live updates later): the card's ``id`` is
``card-<site id>-<task id>``, ``data-status`` is the portal status the site last answered, and
the card's "Move to" form is its one way to change that status.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from portal.tasks_ui.labels import STATUS_LABELS
from portal.tasks_ui.selectors.rows import Row
from portal.tasks_ui.templatetags.task_rows import _due, _labels, _people, _word, e
from portal.tasks_ui.templatetags.tasks_ui import bucket_label, priority_class

register = template.Library()

CARD_PREFIX = "card-"


def card_id(row: Row) -> str:
    return f"{CARD_PREFIX}{row.site_id}-{row.task.id}"


def _move_form(row: Row, *, dom: str, here: str, csrf: str, focus: bool) -> str:
    """The card's status control: the keyboard's and the phone's way to move it, and what a
    drag sends. Named by the card's title and site, as the row's buttons are."""
    current = row.task.portal_status
    options = "".join(
        f'<option value="{e(value)}"{" selected" if value == current else ""}>{e(label)}</option>'
        for value, label in STATUS_LABELS.items()
    )
    named = f"{dom}-t {dom}-s"
    saving = _labels(_language())["saving"]
    # Outside the f-string: xgettext does not read calls inside one.
    move_to, move = e(pgettext("board", "Move to")), e(pgettext("board", "Move"))
    return (
        f'<form class="card-move" method="post" action="{e(row.status_url)}" '
        f'hx-post="{e(row.status_url)}" hx-target="#{dom}" hx-swap="outerHTML" '
        f'hx-indicator="#{dom}-busy" hx-disabled-elt="find button">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{e(csrf)}">'
        f'<input type="hidden" name="next" value="{e(here)}">'
        f'<label for="{dom}-to">{move_to}</label> '
        f'<select id="{dom}-to" name="status" aria-describedby="{named}"'
        f"{' data-refocus' if focus else ''}>{options}</select> "
        f'<button type="submit" aria-describedby="{named}">{move}</button>'
        f' <span id="{dom}-busy" class="htmx-indicator busy">{saving}</span>'
        "</form>"
    )


def _language() -> str:
    return translation.get_language() or ""


@register.simple_tag(takes_context=True)
def board_card(context, row: Row) -> SafeString:
    task, dom = row.task, e(card_id(row))
    words = _labels(_language())
    here = str(context.get("here") or "")
    csrf = str(context.get("csrf_token") or "")
    badge = ""
    if row.bucket and task.is_open:
        badge = f'<span class="bucket bucket-{e(row.bucket)}">{e(bucket_label(row.bucket))}</span>'
    due = ""
    if task.due_date:
        due_word = gettext("Due")
        due = f'<p class="card-meta card-due">{e(due_word)} {_due(task)}</p>'
    if row.can_write:
        control = _move_form(row, dom=dom, here=here, csrf=csrf, focus=bool(context.get("focus")))
    else:
        # As the row says it: the site refused a change before; why, on hover and on the task page.
        control = (
            f'<p class="muted card-read-only" title="{e(row.read_only_reason)}">'
            f"{words['read_only']}</p>"
        )
    # Live updates (portal/live): the card reads itself again when its task changes, and
    # board.js puts it in the column of its status.
    live = f"{row.url}?{urlencode({'next': here})}"
    html = (
        f'<li id="{dom}" class="task-card{"" if task.is_open else " finished"}" '
        f'data-status="{e(task.portal_status)}" data-site-id="{row.site_id}" '
        f'data-task-id="{e(task.id)}"{" data-movable" if row.can_write else ""} data-live '
        f'hx-get="{e(live)}" hx-trigger="sse:task-{row.site_id}-{e(task.id)}" '
        f'hx-target="this" hx-swap="outerHTML">'
        f'<a class="card-title" href="{e(row.url)}" id="{dom}-t">'
        f"<bdi>{e(task.title) if task.title else words['no_title']}</bdi></a>"
        f'<p class="card-meta"><span id="{dom}-s" class="card-site"><bdi>{e(row.site_name)}</bdi>'
        f"</span> "
        f'<span class="prio {e(priority_class(task.priority))}">{_word(task.priority)}</span>'
        f"{badge}</p>"
        f"{due}"
        f'<p class="card-people"><span class="sr-only">{words["people"]}: </span>{_people(row)}'
        "</p>"
        f"{control}"
        "</li>"
    )
    return mark_safe(html)  # noqa: S308 - every value above is escaped by e()
