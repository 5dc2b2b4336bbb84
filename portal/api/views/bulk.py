"""Bulk status changes and deletes: started here, worked by Celery workers, a result per row
(``portal.tasks_ui.services.bulk``, as the pages)."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from portal.api.serializers import BulkJobSerializer, BulkStartSerializer
from portal.api.views.base import PortalView, problems
from portal.tasks_ui.services.bulk import bulk_job, bulk_start, parse_keys


def job_data(progress) -> dict:
    return {
        "id": progress.job.public_id,
        "action": progress.action,
        "status": progress.status,
        "finished": progress.finished,
        "done": progress.done,
        "failed": progress.failed,
        "gone": progress.gone,
        "rows": [
            {
                "site_id": row.site_id,
                "site_name": row.site_name,
                "task_id": row.task_id,
                "title": row.title,
                "state": row.state,
                "message": row.message,
            }  # fmt: skip
            for row in progress.rows
        ],
    }


class BulkStart(PortalView):
    @extend_schema(
        operation_id="bulk_start",
        summary="Start a bulk status change or delete; follow its rows at the job's URL",
        request=BulkStartSerializer,
        responses={202: BulkJobSerializer, **problems(400)},
    )
    def post(self, request):
        given = BulkStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        pairs = parse_keys(given.validated_data["tasks"])
        if not pairs:
            raise ValidationError({"tasks": [_("Give each task as “site id:task id”.")]})
        kind, _sep, to_status = given.validated_data["action"].partition(":")
        job_id = bulk_start(
            user=request.user,
            action="delete" if kind == "delete" else "status",
            status=to_status or None,
            pairs=pairs,
        )
        progress = bulk_job(user=request.user, job_id=job_id)
        url = request.build_absolute_uri(reverse("api:bulk_job", args=[job_id]))
        return Response(
            BulkJobSerializer(job_data(progress)).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": url},
        )


class BulkJobDetail(PortalView):
    @extend_schema(
        operation_id="bulk_get",
        summary="A bulk job's progress and each row's outcome",
        responses={200: BulkJobSerializer, **problems(404)},
    )
    def get(self, request, job_id: str):
        progress = bulk_job(user=request.user, job_id=job_id)
        if progress is None:
            raise Http404("No such bulk job")
        return Response(BulkJobSerializer(job_data(progress)).data)
