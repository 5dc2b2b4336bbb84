"""The task row, rendered in Python.

Pages across sites show up to fifty rows of some sixty values each. Through the template engine
a row cost about 0.7 ms, and through ``format_html`` still 0.35 ms (its lazy-string checks on
every value): most of a page's own time (bench/inbox.py). Here every value from a site or a
person goes through ``html.escape`` (quotes included) into an f-string: the same escaping, a
fraction of the cost. The row stays a named partial (``tasks_ui/_table.html#row``) that calls
this tag, so htmx answers and whole pages share it.

Controls are named by the row's title and site (``aria-labelledby``/``-describedby``): a screen
reader says "Done, Call Omar, Riyadh" without a translated label per control.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from html import escape

from django import template
from django.utils import translation
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from portal.sites import reading
from portal.tasks_ui.labels import site_word
from portal.tasks_ui.selectors.rows import Row
from portal.tasks_ui.templatetags.tasks_ui import (
    bucket_label,
    due_html,
    priority_class,
    says_portal_status,
    status_label,
)

register = template.Library()


@lru_cache(maxsize=8)
def _labels(language: str) -> dict[str, str]:
    """The row's fixed words in one language, escaped once (a page has fifty rows)."""
    words = {
        "done": gettext("Done"),
        "reopen": gettext("Reopen"),
        "edit": gettext("Edit"),
        "delete": gettext("Delete"),
        "saving": gettext("Saving…"),
        "read_only": gettext("Read only"),
        "no_title": gettext("(no title)"),
        # the column headings again, for the cells of a row shown as a card on a phone
        "site": gettext("Site"),
        "priority": gettext("Priority"),
        "status": gettext("Status"),
        "due": gettext("Due"),
        "starts": gettext("Starts"),
        "people": gettext("Assigned to"),
        "actions": gettext("Actions"),
    }
    return {key: escape(value, quote=True) for key, value in words.items()}


def e(value: object) -> str:
    """Escaped for an HTML text node or a double-quoted attribute."""
    return escape(str(value), quote=True)


def _when(task, value: datetime | None) -> str:
    """On the reader's clock, the site's on hover (``portal.sites.reading``)."""
    return reading.time_html(value, task.time_zone) if value else ""


def _due(task) -> str:
    return due_html(task) if task.due_date else ""


def _word(value: str | None) -> str:
    """A site's priority, status or type in the reader's language, the site's word on hover."""
    if not value:
        return "—"
    text = site_word(value)
    if text == value:
        return f"<bdi>{e(value)}</bdi>"
    return f'<span title="{e(value)}">{e(text)}</span>'


def _people(row: Row) -> str:
    return reading.people_html(row.people)


def _actions(row: Row, *, here: str, csrf: str, focus: bool) -> str:
    task, dom = row.task, e(row.dom_id)
    words = _labels(translation.get_language() or "")
    if not row.can_write:
        return f'<span class="muted" title="{e(row.read_only_reason)}">{words["read_only"]}</span>'
    named = f"{dom}-t {dom}-s"
    label = words["done"] if task.is_open else words["reopen"]
    # The keyboard's "d" (portal.js) presses this button: only when it marks the task done.
    done_key = ' data-shortcut="done"' if task.is_open else ""
    question = gettext("Delete “%(title)s” on %(site)s? This cannot be undone.") % {
        "title": task.title or task.id,
        "site": row.site_name,
    }
    confirm_page = row.delete_url + "?" + urlencode({"title": task.title, "next": here})
    return (
        f'<form method="post" action="{e(row.status_url)}" hx-post="{e(row.status_url)}" '
        f'hx-target="#{dom}" hx-swap="outerHTML" hx-indicator="#{dom}-busy" '
        f'hx-disabled-elt="find button">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{e(csrf)}">'
        f'<input type="hidden" name="next" value="{e(here)}">'
        f'<input type="hidden" name="status" value="{"done" if task.is_open else "open"}">'
        f'<button type="submit" aria-describedby="{named}"{" data-refocus" if focus else ""}'
        f"{done_key}>{label}</button></form>"
        f' <a href="{e(row.edit_url)}" aria-describedby="{named}" data-shortcut="edit">'
        f"{words['edit']}</a>"
        f' <input type="hidden" id="{dom}-title" name="title" value="{e(task.title)}">'
        f' <a class="danger" href="{e(confirm_page)}" hx-post="{e(row.delete_url)}"'
        f' hx-include="#{dom}-title"'
        f' hx-target="#{dom}" hx-swap="outerHTML" hx-indicator="#{dom}-busy"'
        f' hx-confirm="{e(question)}" aria-describedby="{named}">{words["delete"]}</a>'
        f' <span id="{dom}-busy" class="htmx-indicator busy">{words["saving"]}</span>'
    )


@register.simple_tag(takes_context=True)
def task_row(context, row: Row) -> SafeString:
    task, dom = row.task, e(row.dom_id)
    language = translation.get_language() or ""
    here = str(context.get("here") or "")
    csrf = str(context.get("csrf_token") or "")
    select = ""
    if row.can_write:
        select = (
            f'<input type="checkbox" name="row" value="{e(row.key)}" form="bulk-form" '
            f'id="{dom}-c" aria-labelledby="{dom}-t {dom}-s">'
            f'<input type="hidden" name="title-{e(row.key)}" value="{e(task.title)}" '
            f'form="bulk-form">'
        )
    badge = ""
    if row.bucket:
        badge = f' <span class="bucket bucket-{e(row.bucket)}">{e(bucket_label(row.bucket))}</span>'
    actions = _actions(row, here=here, csrf=csrf, focus=bool(context.get("focus")))
    label = status_label(task.portal_status)
    site_status = ""  # the site's own word, when it says more than the portal's ("late")
    if task.status and not says_portal_status(task.status, task.portal_status):
        site_status = f' <span class="site-status">({_word(task.status)})</span>'
    words = _labels(language)
    # Live updates (portal/live): the row reads itself again when its task changes.
    live = f"{row.url}?{urlencode({'next': here})}"
    html = (
        f'<tr id="{dom}" class="{"" if task.is_open else "finished"}" '
        f'data-site="{e(row.site_name)}" data-task="{e(task.id)}" data-live '
        f'hx-get="{e(live)}" hx-trigger="sse:{dom}" hx-target="this" hx-swap="outerHTML">'
        f'<td data-label="">{select}</td>'
        f'<td class="title" data-label=""><a href="{e(row.url)}" id="{dom}-t">'
        f"<bdi>{e(task.title) if task.title else words['no_title']}</bdi></a>"
        f"{badge}</td>"
        f'<td id="{dom}-s" data-label="{words["site"]}"><bdi>{e(row.site_name)}</bdi></td>'
        f'<td data-label="{words["priority"]}">'
        f'<span class="prio {e(priority_class(task.priority))}">{_word(task.priority)}</span></td>'
        f'<td data-label="{words["status"]}">{e(label)}{site_status}</td>'
        f'<td data-label="{words["due"]}">{_due(task)}</td>'
        f'<td class="col-start" data-label="{words["starts"]}">{_when(task, task.start_date)}</td>'
        f'<td class="col-people" data-label="{words["people"]}">{_people(row)}</td>'
        f'<td class="actions" data-label="{words["actions"]}">{actions}</td>'
        "</tr>"
    )
    return mark_safe(html)  # noqa: S308 - every value above is escaped by e()
