"""``/metrics``: Prometheus' text format, for a scraper that shows the token or calls from an
allowed address; everyone else gets a 403.

- ``Authorization: Bearer $METRICS_TOKEN`` (compared in constant time), or
- a caller address in ``METRICS_ALLOWED_IPS`` (default loopback only) on a request that did not
  come through a proxy: behind a proxy on the same host every visitor seems to call from
  127.0.0.1, so a request carrying ``X-Forwarded-For`` or ``Forwarded`` needs the token.

What is served: the figures every process recorded (portal/metrics.py and django-prometheus'
middleware), added up across processes when ``PROMETHEUS_MULTIPROC_DIR`` is set, and the
figures read now (portal/ops/metrics_collectors.py).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from portal.ops.metrics_collectors import PortalCollector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(sent.encode(), token.encode()):
            return True
    if any(request.META.get(name) for name in _PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


class _ThisProcess(Collector):
    """The default registry's figures (one process: development, tests, runserver)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def scrape_registry(*, directory: str | None = None) -> CollectorRegistry:
    """What one scrape serves. With a multiprocess folder, the figures of every process that
    wrote there (live or gone: counters never go back) instead of this process's alone."""
    directory = directory if directory is not None else settings.PROMETHEUS_MULTIPROC_DIR
    registry = CollectorRegistry(auto_describe=False)
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ThisProcess())
    registry.register(PortalCollector())
    return registry


@require_GET
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponseForbidden("forbidden\n", content_type="text/plain")
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE)
