"""The team-lead report: filters, key figures, charts, tables, CSV, drill-downs."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import clock
from portal.reports.forms import PERIODS, ReportFilterForm, form_defaults
from portal.reports.models import Snapshot
from portal.reports.services import tables
from portal.reports.services.csv_export import csv_write
from portal.reports.services.figures import Filters, completions, report_build
from portal.reports.services.snapshot import snapshot_take
from portal.sites.access import site_list_for_user, team_list_for_user
from portal.sites.views.guards import lead_required


def _filters(request) -> tuple[ReportFilterForm, Filters | None]:
    sites = list(site_list_for_user(user=request.user))
    teams = list(team_list_for_user(user=request.user))
    # Always bound: a plain /reports/ (the menu's link) is the default period, shown in the form.
    form = ReportFilterForm(request.GET or form_defaults(), sites=sites, teams=teams)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    chosen = [s for s in sites if s.pk in (data.get("site") or [])] or sites
    team = next((t for t in teams if t.pk == data.get("team")), None)
    return form, Filters(
        sites=chosen, since=data["since"], until=data["until"], team=team,
        assignee=(data.get("assignee") or "").strip(),
    )  # fmt: skip


def _query(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@lead_required
def report(request):
    form, filters = _filters(request)
    if filters is None:
        return render(request, "reports/report.html", {"form": form}, status=400)
    built = report_build(filters)
    today = clock.now().date()
    presets = [
        (days, _query(request, since=str(today - timedelta(days=days - 1)), until=str(today)))
        for days in PERIODS
    ]
    return render(
        request,
        "reports/report.html",
        {
            "form": form, "report": built, "presets": presets,
            "chart_data": tables.chart_data(built), "query": request.GET.urlencode(),
            "failed": Snapshot.objects.filter(site__in=filters.sites, ok=False,
                                              taken_at__gte=filters.start).select_related("site")[:20],
        },
    )  # fmt: skip


@lead_required
def export(request, table):
    if table not in tables.EXPORTS:
        raise Http404("No such table")
    form, filters = _filters(request)
    if filters is None:
        return HttpResponse(_("Invalid filters."), status=400, content_type="text/plain")
    header, rows = tables.EXPORTS[table](report_build(filters), filters)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="report-{table}-{filters.since}-{filters.until}.csv"'
    )
    csv_write(response, header, rows)
    return response


@lead_required
def completed(request):
    """Drill-down: the tasks behind a completion count, linking to each task's page."""
    form, filters = _filters(request)
    if filters is None:
        return render(request, "reports/completed.html", {"form": form}, status=400)
    rows = completions(filters)
    status = request.GET.get("status")
    if status in ("done", "cancelled"):
        rows = [c for c in rows if c.portal_status == status]
    if request.GET.get("on_time") in ("0", "1"):
        rows = [c for c in rows if c.on_time is (request.GET["on_time"] == "1")]
    members = filters.members()
    listed = [
        c for c in rows[:2000]
        if members is None or members.get(c.site_id, set()).intersection(c.assignees or [""])
    ]  # fmt: skip
    return render(
        request,
        "reports/completed.html",
        {
            "rows": listed,
            "cancelled_only": status == "cancelled",
            "filters": filters,
            "back": reverse("reports:report") + "?" + _query(request),
        },
    )


@lead_required
@require_POST
def snapshot_now(request):
    """Snapshots of the sites in view, taken now (leads need not wait for the night)."""
    form, filters = _filters(request)
    taken = [
        snapshot_take(site=site, trigger=Snapshot.Trigger.ON_DEMAND)
        for site in (filters.sites if filters else [])
    ]
    failed = [s.site.name for s in taken if not s.ok]
    messages.success(request, _("Snapshots taken: %(n)d.") % {"n": len(taken) - len(failed)})
    if failed:
        messages.error(request, _("These sites failed: %(sites)s") % {"sites": ", ".join(failed)})
    return redirect(reverse("reports:report") + "?" + urlencode(request.GET, doseq=True))
