import hmac

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from portal.ops.services import health_report
from portal.sites.access import user_is_admin


def _may_see_detail(request) -> bool:
    """Admins (portal admins and Django staff) and holders of HEALTHZ_TOKEN see the report."""
    user = request.user
    if user_is_admin(user) or (user.is_authenticated and user.is_active and user.is_staff):
        return True
    token = settings.HEALTHZ_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@never_cache
@vary_on_headers("Authorization", "Cookie")
@require_GET
def healthz(request):
    """Health probe for load balancers and compose.

    200 when database and broker answer; 503 otherwise. With ?strict=1 a stale heartbeat
    (scheduler or worker down) is a failure too. Anyone gets {"status": "ok"} or
    {"status": "failing"}; the detail (which names the worker's host and its run count) only
    an admin session or the HEALTHZ_TOKEN bearer token.
    """
    report = health_report()
    healthy = report["ok"]
    if request.GET.get("strict") in {"1", "true"}:
        healthy = healthy and report["heartbeat"]["ok"]
    status = 200 if healthy else 503
    if _may_see_detail(request):
        return JsonResponse({"status": "ok" if healthy else "failing", **report}, status=status)
    return JsonResponse({"status": "ok" if healthy else "failing"}, status=status)
