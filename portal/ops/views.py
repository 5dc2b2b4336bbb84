from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.ops.services import health_report


@never_cache
@require_GET
def healthz(request):
    """Public health probe for load balancers and compose: no secrets, no task data.

    200 when database and broker answer; 503 otherwise. With ?strict=1 a stale heartbeat
    (scheduler or worker down) is a failure too.
    """
    report = health_report()
    healthy = report["ok"]
    if request.GET.get("strict") in {"1", "true"}:
        healthy = healthy and report["heartbeat"]["ok"]
    return JsonResponse(report, status=200 if healthy else 503)
