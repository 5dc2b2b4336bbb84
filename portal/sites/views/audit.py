from django.core.paginator import Paginator
from django.shortcuts import render

from portal.sites.audit import audit_list
from portal.sites.models import AuditEntry, Site
from portal.sites.views.guards import admin_required


@admin_required
def audit_log(request):
    params = request.GET
    site_id = params.get("site") or None
    entries = audit_list(
        site_id=int(site_id) if site_id and site_id.isdigit() else None,
        username=params.get("user", "")[:150],
        action=params.get("action", "")[:40],
        task_id=params.get("task", "")[:40],
    ).select_related("site")
    page = Paginator(entries, 50).get_page(params.get("page"))
    actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "sites/audit.html",
        {
            "page": page,
            "sites": Site.objects.all(),
            "actions": sorted(set(actions)),
            "filters": params,
            "query": query.urlencode(),
        },
    )
