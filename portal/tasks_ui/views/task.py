"""One task: its page, the edit form and the create form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from portal import clock
from portal.sites.access import site_list_for_user
from portal.sites.backends.errors import EditConflict, SiteError
from portal.sites.backends.types import Task, Vocabulary
from portal.sites.services.clients import site_features, statuses_refused
from portal.tasks_ui.fanout import problem_for
from portal.tasks_ui.forms import (
    PORTAL_STATUSES,
    AssignForm,
    TaskForm,
    create_fields,
    snapshot_modified,
    snapshot_of,
    task_values,
)
from portal.tasks_ui.selectors.rows import person_name
from portal.tasks_ui.selectors.sources import (
    Source,
    names_by_site,
    people_of_site,
    vocabulary_for,
)
from portal.tasks_ui.selectors.task import (
    TaskView,
    source_for,
    task_read,
    task_view_for_user,
)
from portal.tasks_ui.services.writes import task_create, task_edit
from portal.tasks_ui.task_fields import extra_fields
from portal.tasks_ui.templatetags.board_cards import CARD_PREFIX
from portal.tasks_ui.views.actions import ROW_PREFIX, row_for
from portal.tasks_ui.views.common import (
    TASKS_CHANGED,
    error_kind,
    error_text,
    next_url,
    wants_partial,
)

FIELD_LABELS = {  # lazy: translated when shown, in the reader's language
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("Description"),
    "status": gettext_lazy("Status"),
    "priority": gettext_lazy("Priority"),
    "task_type": gettext_lazy("Task type"),
    "start_date": gettext_lazy("Starts"),
    "due_date": gettext_lazy("Due"),
    "assignees": gettext_lazy("Assigned to"),
}


def _done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful form: htmx follows with a full page load, a plain post redirects."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def task_context(view: TaskView, **more) -> dict:
    task = view.task
    names = names_by_site([view.site.pk]).get(view.site.pk, {})

    def person(ident: str) -> str:
        return person_name(ident, names)

    refused = statuses_refused(view.site, task, clock.now()) if task else frozenset()
    # Statuses this kind of site does not have at all (Django-CRM has no cancelled state).
    absent = frozenset() if site_features(view.site).cancelled else frozenset({"cancelled"})
    return {
        "view": view,
        "site": view.site,
        "task": task,
        "statuses": [
            (value, label) for value, label in PORTAL_STATUSES if value not in refused | absent
        ],
        "only_done_note": bool(refused),
        "no_cancel_note": bool(absent) and task is not None,
        "no_start_dates": not site_features(view.site).start_dates,
        # A finished status that does not say so (EspoCRM's Deferred): say how it counts.
        "counted_as_finished": bool(task)
        and task.portal_status in ("done", "cancelled")
        and not any(w in (task.status or "").lower() for w in ("cancel", "complet", "done")),
        "extra": extra_fields(task.extra, person) if task else [],
        "created_by": person(task.owner) if task and task.owner else "",
        "assign_form": AssignForm(people=people_of_site(view.site.pk), task=task) if task else None,
        **more,
    }


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def task_page(request: HttpRequest, site_id: int, task_id: str) -> HttpResponse:
    view = task_view_for_user(user=request.user, site_id=site_id, task_id=task_id)
    if wants_partial(request) and request.htmx.target == f"{ROW_PREFIX}{site_id}-{task_id}":
        return _row_again(request, view)
    if wants_partial(request) and request.htmx.target == f"{CARD_PREFIX}{site_id}-{task_id}":
        return _card_again(request, view)
    context = task_context(view, here=request.get_full_path())
    status = 404 if view.problem is not None and view.problem.kind == "missing" else 200
    if wants_partial(request) and request.htmx.target == "task-summary":
        return render(request, "tasks_ui/task.html#summary", context, status=status)
    return render(request, "tasks_ui/task.html", context, status=status)


def _row_again(request: HttpRequest, view: TaskView) -> HttpResponse:
    """A list's row read again after its task changed (portal/live): the row as the site now
    has it, a row saying the task is gone, or nothing to swap while the site cannot say."""
    if view.problem is not None and view.problem.kind == "missing":
        context = {"site": view.site, "task_id": view.task_id, "live": True,
                   "message": _("This task is no longer on its site.")}  # fmt: skip
        response = render(request, "tasks_ui/_table.html#row-gone", context)
    elif view.task is None or view.source is None:
        return HttpResponse(status=204)
    else:
        context = {"row": row_for(view.source, view.task), "here": next_url(request)}
        response = render(request, "tasks_ui/_table.html#row", context)
    # The row may have left its bucket: the count bars read their numbers again.
    return trigger_client_event(response, TASKS_CHANGED, {})


def _card_again(request: HttpRequest, view: TaskView) -> HttpResponse:
    """A board's card read again after its task changed: the card as the site now has it (its
    status puts it in its column), nothing (the card goes) once the task is gone, or no swap
    while the site cannot say."""
    if view.problem is not None and view.problem.kind == "missing":
        return HttpResponse("")
    if view.task is None or view.source is None:
        return HttpResponse(status=204)
    context = {"row": row_for(view.source, view.task), "here": next_url(request)}
    return render(request, "tasks_ui/board.html#card", context)


def _form_page(
    request: HttpRequest,
    context: dict,
    *,
    status: int = 200,
) -> HttpResponse:
    if wants_partial(request) and request.htmx.target == "form-area":
        return render(request, "tasks_ui/task_form.html#form-area", context, status=status)
    return render(request, "tasks_ui/task_form.html", context, status=status)


def _unavailable(request: HttpRequest, site, problem, *, task_id: str | None = None):
    context = {"site": site, "problem": problem, "task_id": task_id, "form": None}
    return _form_page(request, context)


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request", "HX-Target")
def task_edit_page(request: HttpRequest, site_id: int, task_id: str) -> HttpResponse:
    site, source, problem = source_for(user=request.user, site_id=site_id)
    if source is None:
        return _unavailable(request, site, problem, task_id=task_id)
    base = {
        "site": site,
        "source": source,
        "task_id": task_id,
        "mode": "edit",
        "action": reverse("tasks_ui:edit", args=[site.pk, task_id]),
        "read_only": source.read_only_reason,
    }
    try:
        vocabulary = vocabulary_for(source)
        current = task_read(source, task_id) if request.method == "GET" else None
    except SiteError as error:
        return _unavailable(request, site, problem_for(error, site), task_id=task_id)

    if request.method == "GET":
        form = TaskForm(
            vocabulary=vocabulary, people=people_of_site(site.pk), task=current, site=site
        )
        return _form_page(request, {**base, "form": form, "task": current})

    form = TaskForm(
        request.POST, vocabulary=vocabulary, people=people_of_site(site.pk), task=None, site=site
    )
    context = {**base, "form": form}
    if not form.is_valid():
        return _form_page(request, context)
    if form.original() is None:
        form.add_error(None, _("The form was damaged or is too old: open the task again."))
        return _form_page(request, context)
    changed = form.changed_fields()
    if not changed:
        messages.info(request, _("Nothing was changed."))
        return _done(request, reverse("tasks_ui:task", args=[site.pk, task_id]))
    try:
        task_edit(
            user=request.user,
            source=source,
            task_id=task_id,
            expected_modified=snapshot_modified(form),
            changed=changed,
        )
    except EditConflict as conflict:
        return _conflict(request, context, conflict.current, vocabulary=vocabulary)
    except SiteError as error:
        form.add_error(None, error_text(error, site))
        context["error_kind"] = error_kind(error)
        return _form_page(request, context)
    messages.success(request, _("Saved on %(site)s.") % {"site": site.name})
    return _done(request, reverse("tasks_ui:task", args=[site.pk, task_id]))


def _conflict(request, context, fresh: Task, *, vocabulary: Vocabulary) -> HttpResponse:
    """Refused: the site has a newer copy. The fresh values are shown beside the person's input,
    which stays in the form; the form now carries the fresh copy, so saving again is a
    deliberate choice made with the current values in view."""
    form, site = context["form"], context["site"]
    mine = form.values()
    theirs = task_values(fresh)
    differences = [
        {"label": FIELD_LABELS.get(name, name), "mine": mine.get(name), "theirs": theirs[name]}
        for name in theirs
        if name in mine and mine.get(name) != theirs[name]
    ]
    data = request.POST.copy()
    data["snapshot"] = snapshot_of(fresh)
    refreshed = TaskForm(
        data, vocabulary=vocabulary, people=people_of_site(site.pk), task=None, site=site
    )
    refreshed.is_valid()
    refreshed.add_error(None, error_text(EditConflict("", current=fresh), site))
    context = {
        **context,
        "form": refreshed,
        "conflict": fresh,
        "differences": differences,
        "error_kind": "conflict",
    }
    return _form_page(request, context, status=409 if not request.htmx else 200)


@login_required
@require_GET
def create_choose(request: HttpRequest) -> HttpResponse:
    """Pick the site first: each site has its own task types, priorities and statuses."""
    sites = list(site_list_for_user(user=request.user).order_by("name"))
    chosen = request.GET.get("site", "")
    if chosen.isdigit() and any(site.pk == int(chosen) for site in sites):
        url = reverse("tasks_ui:create", args=[int(chosen)])
        return redirect(url)
    return render(request, "tasks_ui/create_choose.html", {"sites": sites})


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request", "HX-Target")
def task_create_page(request: HttpRequest, site_id: int) -> HttpResponse:
    site, source, problem = source_for(user=request.user, site_id=site_id)
    sites = list(site_list_for_user(user=request.user).order_by("name"))
    base = {
        "site": site,
        "sites": sites,
        "mode": "create",
        "action": reverse("tasks_ui:create", args=[site.pk]),
    }
    if source is None:
        return _form_page(request, {**base, "problem": problem, "form": None})
    base["read_only"] = source.read_only_reason
    try:
        vocabulary = vocabulary_for(source)
    except SiteError as error:
        return _form_page(request, {**base, "problem": problem_for(error, site), "form": None})
    people = people_of_site(site.pk)
    if request.method == "GET":
        form = TaskForm(vocabulary=vocabulary, people=people, site=site)
        return _form_page(request, {**base, "form": form})
    form = TaskForm(request.POST, vocabulary=vocabulary, people=people, site=site)
    context = {**base, "form": form}
    if not form.is_valid():
        return _form_page(request, context)
    return _create(request, context, form, source)


def _create(request, context, form: TaskForm, source: Source) -> HttpResponse:
    site = source.site
    try:
        task = task_create(user=request.user, source=source, fields=create_fields(form))
    except SiteError as error:
        form.add_error(None, error_text(error, site))
        context["error_kind"] = error_kind(error)
        return _form_page(request, context)
    messages.success(
        request,
        _("Task %(id)s created on %(site)s.") % {"id": task.id, "site": site.name},
    )
    return _done(request, reverse("tasks_ui:task", args=[site.pk, task.id]))
