"""Report figures for team leads and admins, as on the report page (``reports.services``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from portal.api.permissions import IsLead
from portal.api.serializers import ReportSerializer
from portal.api.views.base import PortalView, problems
from portal.api.views.lists import form_errors
from portal.reports.forms import ReportFilterForm, form_defaults
from portal.reports.services.figures import Filters, report_build
from portal.sites.access import site_list_for_user, team_list_for_user

_FIGURES = ("open", "overdue", "done", "cancelled", "done_with_due", "done_on_time",
            "reminders_sent", "escalations")  # fmt: skip


class Report(PortalView):
    permission_classes = [*PortalView.permission_classes, IsLead]

    @extend_schema(
        operation_id="reports_get",
        summary="Report figures for the sites, team, person and period chosen (team leads)",
        parameters=[
            OpenApiParameter("site", {"type": "array", "items": {"type": "integer"}}),
            OpenApiParameter("team", int),
            OpenApiParameter("assignee", str, description="A site user id."),
            OpenApiParameter("since", OpenApiTypes.DATE, description="Default: 30 days ago."),
            OpenApiParameter("until", OpenApiTypes.DATE, description="Default: today."),
        ],
        responses={200: ReportSerializer, **problems(400)},
    )
    def get(self, request):
        sites = list(site_list_for_user(user=request.user))
        teams = list(team_list_for_user(user=request.user))
        params = request.query_params
        data = params if any(k in params for k in ReportFilterForm.base_fields) else None
        form = ReportFilterForm(data or form_defaults(), sites=sites, teams=teams)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        chosen = form.cleaned_data
        picked = [s for s in sites if s.pk in (chosen.get("site") or [])] or sites
        filters = Filters(
            sites=picked, since=chosen["since"], until=chosen["until"],
            team=next((t for t in teams if t.pk == chosen.get("team")), None),
            assignee=(chosen.get("assignee") or "").strip(),
        )  # fmt: skip
        built = report_build(filters)
        body = {
            "since": filters.since,
            "until": filters.until,
            "totals": built.totals,
            "sites": [
                {
                    "site_id": row.site.pk,
                    "site_name": row.site.name,
                    "aging": row.aging,
                    "snapshot_at": row.snapshot.taken_at if row.snapshot else None,
                    **{name: getattr(row, name) for name in _FIGURES},
                }  # fmt: skip
                for row in built.sites
            ],
            "people": [
                {
                    "site_id": p.site.pk,
                    "site_user_id": p.site_user_id,
                    "name": p.name or "",
                    "open": p.open,
                    "overdue": p.overdue,
                    "done": p.done,
                    "done_on_time": p.done_on_time,
                    "done_with_due": p.done_with_due,
                }  # fmt: skip
                for p in built.people
            ],
            "trend": [{"day": day, "overdue": count} for day, count in built.trend],
        }
        return Response(ReportSerializer(body).data)
