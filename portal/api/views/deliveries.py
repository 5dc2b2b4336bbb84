"""Reminder deliveries, for admins as on the delivery log (``notifications.selectors``)."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from portal.api.models import ApiToken
from portal.api.permissions import IsAdmin
from portal.api.serializers import DeliveryPageSerializer
from portal.api.tokens import token_site_ids
from portal.api.views.base import PortalView, problems
from portal.notifications.models import Delivery
from portal.notifications.selectors import delivery_list
from portal.sites.access import site_list_for_user


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50


def _id(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


class DeliveryList(PortalView):
    permission_classes = [*PortalView.permission_classes, IsAdmin]

    @extend_schema(
        operation_id="deliveries_list",
        summary="Reminder deliveries, newest first (admins)",
        parameters=[
            OpenApiParameter("site", int),
            OpenApiParameter("channel", int),
            OpenApiParameter("status", str, enum=Delivery.Status.values),
            OpenApiParameter("cursor", str, description="From the previous page's `next`."),
        ],
        responses={200: DeliveryPageSerializer, **problems(404)},
    )
    def get(self, request):
        params = request.query_params
        wanted = params.get("status", "")
        deliveries = delivery_list(
            site_id=_id(params.get("site")),
            channel_id=_id(params.get("channel")),
            status=wanted if wanted in Delivery.Status.values else "",
        )
        if isinstance(request.auth, ApiToken) and token_site_ids(request.auth) is not None:
            # A token limited to some sites: only deliveries about them (unlimited, an admin
            # sees every delivery, as on the delivery log, test messages included).
            visible = list(site_list_for_user(user=request.user).values_list("pk", flat=True))
            deliveries = deliveries.filter(
                Q(site_id__in=visible) | Q(items__site_id__in=visible)
            ).distinct()
        pager = NewestFirst()
        page = pager.paginate_queryset(deliveries, request, view=self)
        body = {
            "next": pager.get_next_link(),
            "previous": pager.get_previous_link(),
            "results": [
                {
                    "id": d.pk,
                    "status": d.status,
                    "channel_kind": d.channel_kind,
                    "channel_name": d.channel.name if d.channel else None,
                    "recipient": d.recipient,
                    "rule_name": d.rule_name,
                    "summary": d.summary,
                    "site_id": d.site_id,
                    "tasks": d.covered,
                    "attempts": d.attempts,
                    "created_at": d.created_at,
                    "send_after": d.send_after,
                    "sent_at": d.sent_at,
                    "last_error": d.last_error,
                }  # fmt: skip
                for d in page
            ],
        }
        return Response(DeliveryPageSerializer(body).data)
