"""Tasks across sites: the filter page's filters and the inbox's buckets, a page at a time."""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from portal.api.cursor import cursor_for, page_of, position_read
from portal.api.serializers import BUCKETS, InboxPageSerializer, TaskPageSerializer
from portal.api.views.base import PortalView, problems
from portal.api.views.rows import problem_data, row_data
from portal.sites.access import site_list_for_user
from portal.tasks_ui.forms import PORTAL_STATUSES, FilterForm, priorities_of
from portal.tasks_ui.selectors.inbox import SCOPES, inbox_for_user
from portal.tasks_ui.selectors.search import Criteria, search_for_user

CURSOR = OpenApiParameter(
    "cursor", str, description="From the previous page's `next`; keeps the same filters."
)
FILTERS = [
    OpenApiParameter(
        "q",
        str,
        description="In the title or the description (at most 100 characters; "
        "titles only on Django-CRM sites).",
    ),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Starts on or after this day."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Starts on or before this day."),
    OpenApiParameter("due_from", OpenApiTypes.DATE, description="Due on or after this day."),
    OpenApiParameter("due_to", OpenApiTypes.DATE, description="Due on or before this day."),
    OpenApiParameter("priority", {"type": "array", "items": {"type": "string"}},
                     description="The sites' priorities (High, Medium, Low, ...)."),
    OpenApiParameter("status", {"type": "array", "items": {"type": "string",
                     "enum": [value for value, _label in PORTAL_STATUSES]}},
                     description="In the portal's words, mapped to each site's own."),
    OpenApiParameter("site", {"type": "array", "items": {"type": "integer"}},
                     description="Site ids (default: every site the token may see)."),
    OpenApiParameter("assignee", str, description="`me`, or a site user id or email."),
    OpenApiParameter("bucket", str, enum=BUCKETS),
    OpenApiParameter("age", str, enum=["1-3", "4-7", "8+"],
                     description="Days overdue (with bucket overdue)."),
    CURSOR,
]  # fmt: skip


def form_errors(form) -> dict[str, list[str]]:
    return {name or "non_field_errors": list(errors) for name, errors in form.errors.items()}


def _next_url(request, position) -> str | None:
    if position is None:
        return None
    params = request.query_params.copy()
    params["cursor"] = cursor_for(position, request.query_params)
    return request.build_absolute_uri(request.path) + "?" + params.urlencode()


class TaskListRead(PortalView):
    """The reads of ``/tasks/`` (the create lives in ``writes.TaskList``)."""

    @extend_schema(
        operation_id="tasks_list",
        summary="Tasks across sites, filtered as on the filter page",
        parameters=FILTERS,
        responses={200: TaskPageSerializer, **problems(400)},
    )
    def get(self, request):
        sites = list(site_list_for_user(user=request.user).order_by("name"))
        data = QueryDict(mutable=True)
        for key in FilterForm.base_fields:
            data.setlist(key, request.query_params.getlist(key))
        form = FilterForm(
            data, sites=sites, priorities=priorities_of([site.vocabulary for site in sites])
        )
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        position = position_read(request.query_params)
        criteria = Criteria.from_filters(form.cleaned_data)
        result = search_for_user(user=request.user, criteria=criteria, page=position.page)
        rows, following = page_of(result.rows, position, settings.INBOX_PAGE_SIZE)
        body = {
            "count": len(result.rows),
            "next": _next_url(request, following),
            "results": [row_data(row) for row in rows],
            "problems": [problem_data(outcome) for outcome in result.problems],
        }
        return Response(TaskPageSerializer(body).data)


class Inbox(PortalView):
    @extend_schema(
        operation_id="inbox",
        summary="The inbox: a bucket of my tasks or of every task I may see, with the counts",
        parameters=[
            OpenApiParameter("scope", str, enum=SCOPES, description="Default mine."),
            OpenApiParameter("bucket", str, enum=BUCKETS, description="Default overdue."),
            CURSOR,
        ],
        responses={200: InboxPageSerializer, **problems(400)},
    )
    def get(self, request):
        scope = request.query_params.get("scope", "mine")
        bucket = request.query_params.get("bucket", "overdue")
        wrong = {}
        if scope not in SCOPES:
            wrong["scope"] = [_("Choose mine or all.")]
        if bucket not in BUCKETS:
            wrong["bucket"] = [_("Choose overdue, late, today or upcoming.")]
        if wrong:
            raise exceptions.ValidationError(wrong)
        position = position_read(request.query_params)
        inbox = inbox_for_user(
            user=request.user, scope=scope, bucket_name=bucket, page=position.page
        )
        rows, following = page_of(inbox.rows, position, settings.INBOX_PAGE_SIZE)
        first = position.after is None
        body = {
            "scope": inbox.scope,
            "bucket": inbox.bucket,
            "counts": {name: asdict(counts) for name, counts in inbox.counts.items()},
            "totals": inbox.totals,
            "count": len(inbox.rows),
            "next": _next_url(request, following),
            "results": [row_data(row) for row in rows],
            "finished_today": [row_data(row) for row in inbox.finished_today] if first else [],
            "problems": [problem_data(outcome) for outcome in inbox.problems],
        }
        return Response(InboxPageSerializer(body).data)
