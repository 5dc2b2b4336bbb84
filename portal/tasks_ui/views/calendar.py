"""The calendar page (a month or a week of tasks by due day) and moving a task to another day.

The page is a GET with the filter page's parameters plus ``view``, ``date`` and ``scope``; the
previous / next / today links are real links that htmx turns into a swap of ``#calendar``.
A move is a small form on every task (a date and a button, the keyboard's and the phone's way);
dragging a task fills in that form's date and submits it (calendar.js). Its answer is a message
for the page's alert area and an event that makes ``#calendar`` read the sites again, so a task
stands where its site's answer puts it: on the new day, or back on its own.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import retarget, trigger_client_event

from portal import clock
from portal.sites.backends.errors import SiteError
from portal.sites.models import Profile
from portal.tasks_ui.selectors.calendar import (
    DAY_LIMIT,
    VIEWS,
    calendar_for_user,
    calendar_range,
    first_weekday,
)
from portal.tasks_ui.selectors.search import ME
from portal.tasks_ui.selectors.task import source_for
from portal.tasks_ui.services.reschedule import task_reschedule
from portal.tasks_ui.templatetags.calendar import long_day
from portal.tasks_ui.views.common import (
    error_kind,
    error_text,
    next_url,
    path_without_probe,
    probed_sites,
    wants_partial,
)
from portal.tasks_ui.views.filters import criteria_of, filter_form

CALENDAR_CHANGED = "calendar-changed"  # #calendar listens for it and reads the sites again
_OWN_PARAMS = ("view", "date", "scope", "probe", "due_from", "due_to", "page", "sort", "dir")
WEEK_DAY_LIMIT = 12  # a week's day is taller: more tasks fit before "+N more"


def reader_today(user) -> date:
    """Today where the reader is (their profile's zone, else the portal's)."""
    name = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    try:
        zone = ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    return timezone.localdate(clock.now(), timezone=zone)


def _day_param(value: str, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _filters(params: QueryDict) -> QueryDict:
    """The filter page's parameters among the calendar's (what "+N more" and the view links
    carry along)."""
    kept = params.copy()
    for name in _OWN_PARAMS:
        kept.pop(name, None)
    return kept


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def calendar(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "month")
    view = view if view in VIEWS else "month"
    today = reader_today(request.user)
    shown = calendar_range(
        view=view, day=_day_param(request.GET.get("date", ""), today), weekday=first_weekday()
    )
    scope = "all" if request.GET.get("scope") == "all" else "mine"
    filters = _filters(request.GET)
    _sites, form = filter_form(request, filters)
    result = None
    criteria = criteria_of(form)
    if criteria is not None:
        if scope == "mine" and not criteria.assignee:
            criteria = replace(criteria, assignee=ME)
        result = calendar_for_user(
            user=request.user,
            criteria=criteria,
            first=shown.first,
            last=shown.last,
            probe=probed_sites(request),
        )
    limit = DAY_LIMIT if view == "month" else WEEK_DAY_LIMIT
    more = filters.copy()
    if scope == "mine" and not more.get("assignee"):
        more["assignee"] = ME
    weeks = [
        [_day_cell(day, shown, today, result, limit=limit, more=more) for day in week]
        for week in shown.weeks
    ]
    base = filters.urlencode()

    def link(*, day: date, to_view: str = view, to_scope: str = scope) -> str:
        query = QueryDict(mutable=True)
        query.update({"view": to_view, "date": day.isoformat(), "scope": to_scope})
        return f"{reverse('tasks_ui:calendar')}?{query.urlencode()}" + (f"&{base}" if base else "")

    week_of = today if shown.in_month(today) and view == "month" else shown.anchor
    context = {
        "shown": shown,
        "weeks": weeks,
        "weekdays": shown.weeks[0],
        "result": result,
        "form": form,
        "view": view,
        "scope": scope,
        "here": path_without_probe(request),
        "links": {
            "previous": link(day=shown.previous),
            "next": link(day=shown.next),
            "today": link(day=today),
            "month": link(day=shown.anchor, to_view="month"),
            "week": link(day=week_of, to_view="week"),
            "mine": link(day=shown.anchor, to_scope="mine"),
            "all": link(day=shown.anchor, to_scope="all"),
        },
    }
    if wants_partial(request) and request.htmx.target == "calendar":
        return render(request, "tasks_ui/calendar.html#calendar", context)
    return render(request, "tasks_ui/calendar.html", context)


def _day_cell(day, shown, today, result, *, limit: int, more: QueryDict) -> dict:
    rows = result.days.get(day, []) if result else []
    query = more.copy()
    query["due_from"] = query["due_to"] = day.isoformat()
    return {
        "day": day,
        "rows": rows[:limit],
        "hidden": max(0, len(rows) - limit),
        "more_url": f"{reverse('tasks_ui:search')}?{query.urlencode()}",
        "in_month": shown.in_month(day),
        "today": day == today,
        "past": day < today,
    }


@login_required
@require_POST
def task_reschedule_page(request: HttpRequest, site_id: int, task_id: str) -> HttpResponse:
    """Move a task to the posted ``date``. With htmx the answer is the message, put in the
    alert area (a refusal) or the status line (a move), and ``calendar-changed``; without
    JavaScript the browser goes back to the calendar with the message."""
    site, source, problem = source_for(user=request.user, site_id=site_id)
    day = _day_param(request.POST.get("date", ""), date.min)
    if source is None:
        return _said(request, problem.message, ok=False, focus="")
    focus = f"cal-{site.pk}-{task_id}"
    if day == date.min:
        return _said(request, _("Choose the day to move the task to."), ok=False, focus=focus)
    try:
        task = task_reschedule(user=request.user, source=source, task_id=task_id, day=day)
    except SiteError as error:
        text = _("Not moved: %(reason)s") % {"reason": error_text(error, site)}
        return _said(request, text, ok=False, focus=focus, kind=error_kind(error))
    text = _("“%(title)s” on %(site)s is now due %(day)s.") % {
        "title": task.title or task.id,
        "site": site.name,
        "day": long_day(day),
    }
    return _said(request, text, ok=True, focus=focus)


def _said(request, text: str, *, ok: bool, focus: str, kind: str = "") -> HttpResponse:
    if not request.htmx:
        (messages.success if ok else messages.error)(request, text)
        return redirect(next_url(request, default=reverse("tasks_ui:calendar")))
    context = {"message": text, "ok": ok, "kind": kind}
    response = render(request, "tasks_ui/calendar.html#said", context)
    response = retarget(response, "#calendar-status" if ok else "#calendar-alert")
    return trigger_client_event(response, CALENDAR_CHANGED, {"focus": focus, "ok": ok})
