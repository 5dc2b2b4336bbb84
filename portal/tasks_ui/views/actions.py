"""Single-task actions from a row or the task page: status, assignment, delete, re-check.

With htmx the answer is the changed row (or the task page's summary) and an event that makes the
count bar refresh itself; without JavaScript the form posts and the browser is sent back to the
page it came from, with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from portal import clock
from portal.sites.backends.errors import SiteError
from portal.sites.backends.types import Task
from portal.sites.buckets import bucket
from portal.tasks_ui.forms import AssignForm, StatusForm, snapshot_modified
from portal.tasks_ui.selectors.rows import Row
from portal.tasks_ui.selectors.sources import (
    Source,
    names_by_site,
    people_known,
    people_of_site,
    source_row,
)
from portal.tasks_ui.selectors.task import source_for, task_view_for_user
from portal.tasks_ui.services.writes import (
    AlreadyGone,
    task_delete,
    task_edit,
    task_status_set,
    write_access_recheck,
)
from portal.tasks_ui.templatetags.board_cards import CARD_PREFIX
from portal.tasks_ui.templatetags.tasks_ui import status_label
from portal.tasks_ui.views.common import announce, error_kind, error_text, next_url

ROW_PREFIX = "task-"


def row_for(source: Source, task: Task) -> Row:
    # The names the rest of the page shows; a name this answer is the first to give is learnt
    # for the next pages (``person_name``).
    names = names_by_site([source.site.pk]).get(source.site.pk, {})
    people_known([source.site.pk], learn=[(source.site, [task])])
    return source_row(source, task, bucket=bucket(task, clock.now()), names=names)


def _failed(request: HttpRequest, site, error: SiteError, *, retry: dict) -> HttpResponse:
    """An action that did not happen: the message names the site and, for a network failure,
    offers to try again. htmx puts it in the page's alert area; a plain post goes back."""
    text = error_text(error, site)
    if not request.htmx:
        messages.error(request, text)
        return redirect(next_url(request))
    context = {"message": text, "kind": error_kind(error), "site": site, "retry": retry}
    response = render(request, "tasks_ui/_table.html#alert", context)
    return reswap(retarget(response, "#alerts"), "innerHTML")


def _not_connected(request: HttpRequest, site, problem) -> HttpResponse:
    if not request.htmx:
        messages.error(request, problem.message)
        return redirect(next_url(request))
    context = {"message": problem.message, "kind": problem.kind, "site": site, "retry": None}
    response = render(request, "tasks_ui/_table.html#alert", context)
    return reswap(retarget(response, "#alerts"), "innerHTML")


@login_required
@require_POST
def task_status(request: HttpRequest, site_id: int, task_id: str) -> HttpResponse:
    site, source, problem = source_for(user=request.user, site_id=site_id)
    if source is None:
        return _not_connected(request, site, problem)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown status."), status=400)
    status = form.cleaned_data["status"]
    try:
        task = task_status_set(user=request.user, source=source, task_id=task_id, status=status)
    except SiteError as error:
        # Try again where the change was asked: the row, or the board's card (which stays in
        # its column, the status the site still has: board.js moves a dragged card back).
        target = f"#{ROW_PREFIX}{site.pk}-{task_id}"
        if on_card(request):
            target = f"#{request.htmx.target}"
        retry = {
            "url": reverse("tasks_ui:status", args=[site.pk, task_id]),
            "target": target,
            "fields": {"status": status},
        }
        return _failed(request, site, error, retry=retry)
    text = _("“%(title)s” on %(site)s is now %(status)s.") % {
        "title": task.title or task.id,
        "site": site.name,
        "status": status_label(status),
    }
    if not request.htmx:
        messages.success(request, text)
        return redirect(next_url(request))
    if request.htmx.target == "task-summary":
        return redirect_summary(request, site.pk, task_id, text)
    if on_card(request):
        # The card as the site answered: its data-status puts it in its column (board.js).
        context = {"row": row_for(source, task), "focus": True, "here": next_url(request)}
        return announce(render(request, "tasks_ui/board.html#card", context), text)
    context = {"row": row_for(source, task), "focus": True, "here": next_url(request)}
    response = render(request, "tasks_ui/_table.html#row", context)
    return announce(response, text)


def on_card(request: HttpRequest) -> bool:
    """The change was asked from a card of the board (htmx aims at ``card-<site>-<task>``)."""
    return bool(request.htmx) and (request.htmx.target or "").startswith(CARD_PREFIX)


def redirect_summary(request: HttpRequest, site_id: int, task_id: str, text: str) -> HttpResponse:
    """The task page's summary after a change: read again, so every field is current."""
    from portal.tasks_ui.views.task import task_context

    view = task_view_for_user(user=request.user, site_id=site_id, task_id=task_id)
    context = task_context(view, focus=True, notice=text)
    response = render(request, "tasks_ui/task.html#summary", context)
    return announce(response, text)


@login_required
@require_POST
def task_reassign(request: HttpRequest, site_id: int, task_id: str) -> HttpResponse:
    """Assign or reassign from the task page, with the edit form's outdated-copy check."""
    site, source, problem = source_for(user=request.user, site_id=site_id)
    back = reverse("tasks_ui:task", args=[site.pk, task_id])
    if source is None:
        messages.error(request, problem.message)
        return redirect(back)
    form = AssignForm(request.POST, people=people_of_site(site.pk))
    if not form.is_valid() or form.original() is None:
        errors = "; ".join(e for field in form.errors.values() for e in field)
        messages.error(request, errors or _("The form was damaged or is too old: try again."))
        return redirect(back)
    wanted = form.wanted()
    if sorted(form.original().get("values", {}).get("assignees", [])) == wanted:
        messages.info(request, _("Nothing was changed."))
        return redirect(back)
    try:
        task_edit(
            user=request.user,
            source=source,
            task_id=task_id,
            expected_modified=snapshot_modified(form),
            changed={"assignees": list(wanted)},
            action="task_reassign",
        )
    except SiteError as error:
        messages.error(request, error_text(error, site))
        return redirect(back)
    messages.success(request, _("Assignment saved on %(site)s.") % {"site": site.name})
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def task_delete_page(request: HttpRequest, site_id: int, task_id: str) -> HttpResponse:
    """GET: a confirmation naming the task and its site, both read from the site (the
    no-JavaScript path; with htmx the browser asks). POST: delete."""
    site, source, problem = source_for(user=request.user, site_id=site_id)
    if request.method == "GET":
        view = task_view_for_user(user=request.user, site_id=site_id, task_id=task_id)
        context = {
            "site": site,
            "task_id": task_id,
            "task": view.task,
            "problem": view.problem or problem,
            "next": next_url(request, reverse("tasks_ui:task", args=[site.pk, task_id])),
            "read_only": source.read_only_reason if source else "",
        }
        status = 404 if view.problem is not None and view.problem.kind == "missing" else 200
        return render(request, "tasks_ui/task_delete.html", context, status=status)
    if source is None:
        return _not_connected(request, site, problem)
    try:
        before = task_delete(user=request.user, source=source, task_id=task_id)
    except AlreadyGone as gone:
        return _deleted(request, site, task_id, title="", text=gone.message, level=messages.INFO)
    except SiteError as error:
        retry = {
            "url": reverse("tasks_ui:delete", args=[site.pk, task_id]),
            "target": f"#{ROW_PREFIX}{site.pk}-{task_id}",
            "fields": {},
        }
        return _failed(request, site, error, retry=retry)
    title = before.title if before is not None and before.title else ""
    text = _("Deleted “%(title)s” on %(site)s.") % {"title": title or task_id, "site": site.name}
    return _deleted(request, site, task_id, title=title, text=text, level=messages.SUCCESS)


def _deleted(request: HttpRequest, site, task_id: str, *, title: str, text: str, level: int):
    """The task is no longer on the site: the row goes, the message says why."""
    if not request.htmx:
        messages.add_message(request, level, text)
        back = next_url(request)
        if back.startswith(reverse("tasks_ui:task", args=[site.pk, task_id])):
            back = reverse("tasks_ui:home")  # the task page is gone with the task
        return redirect(back)
    context = {"site": site, "task_id": task_id, "title": title, "message": text}
    response = render(request, "tasks_ui/_table.html#row-gone", context)
    return announce(response, text)


@login_required
@require_POST
def write_recheck(request: HttpRequest, site_id: int) -> HttpResponse:
    site, source, problem = source_for(user=request.user, site_id=site_id)
    if source is None:
        messages.error(request, problem.message)
    else:
        write_access_recheck(user=request.user, source=source)
        messages.info(
            request,
            _("The next change on %(site)s will try again and tell whether it is allowed.")
            % {"site": site.name},
        )
    return redirect(next_url(request))
