"""The sites a person (and token) may see, with their health and the person's connection."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from portal.api.serializers import SiteSerializer
from portal.api.views.base import PortalView, problems
from portal.sites.access import site_get_for_user, site_list_for_user
from portal.sites.models import Connection, Site
from portal.sites.services.health import site_health


def site_data(site: Site, connection: Connection | None) -> dict:
    health = asdict(site_health(site=site, connection=connection))
    health["attention"] = [str(words) for words in health["attention"]]
    return {
        "id": site.pk,
        "name": site.name,
        "kind": site.backend,
        "time_zone": site.time_zone or "",
        "connected": connection is not None,
        "reconnect_needed": bool(connection and connection.needs_reconnect),
        "site_user_id": connection.site_user_id if connection else "",
        "can_write": connection.can_write if connection else None,
        "health": health,
    }


class SiteList(PortalView):
    @extend_schema(
        operation_id="sites_list",
        summary="Sites I may see, with their health",
        responses={200: SiteSerializer(many=True), **problems()},
    )
    def get(self, request):
        sites = list(site_list_for_user(user=request.user).order_by("name"))
        connections = {
            c.site_id: c for c in Connection.objects.filter(user=request.user, site__in=sites)
        }
        body = [site_data(site, connections.get(site.pk)) for site in sites]
        return Response(SiteSerializer(body, many=True).data)


class SiteDetail(PortalView):
    @extend_schema(
        operation_id="sites_get",
        summary="One site and its health",
        responses={200: SiteSerializer, **problems(404)},
    )
    def get(self, request, site_id: int):
        site = site_get_for_user(user=request.user, site_id=site_id)
        connection = Connection.objects.filter(user=request.user, site=site).first()
        return Response(SiteSerializer(site_data(site, connection)).data)
