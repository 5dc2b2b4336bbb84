"""Bulk status change and bulk delete across sites, with progress and a result per row."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from portal.sites.access import site_list_for_user
from portal.tasks_ui.forms import BulkForm
from portal.tasks_ui.services.bulk import bulk_job, bulk_start, parse_keys
from portal.tasks_ui.views.common import next_url, wants_partial


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Starts the job and shows its progress page. Rows on sites the user may not see fail
    there (the job checks each site's access); a delete without the browser's confirmation
    first shows a page that names every task and site."""
    form = BulkForm(request.POST)
    pairs = parse_keys(request.POST.getlist("row"))
    back = next_url(request)
    if not form.is_valid() or not pairs:
        messages.warning(request, _("Choose one or more tasks and an action."))
        return redirect(back)
    action = form.cleaned_data["action"]
    titles = {pair: request.POST.get(f"title-{pair[0]}:{pair[1]}", "")[:300] for pair in pairs}
    if action == "delete" and request.POST.get("confirmed") != "1":
        rows = [
            {"key": f"{s}:{t}", "site_id": s, "task_id": t, "title": titles[(s, t)]}
            for s, t in pairs
        ]
        names = dict(site_list_for_user(user=request.user).values_list("pk", "name"))
        for row in rows:
            row["site_name"] = names.get(row["site_id"], "")
        return render(request, "tasks_ui/bulk_confirm.html", {"rows": rows, "next": back})
    kind, _sep, status = action.partition(":")
    job_id = bulk_start(
        user=request.user,
        action="delete" if kind == "delete" else "status",
        status=status or None,
        pairs=pairs,
        titles=titles,
    )
    url = reverse("tasks_ui:bulk_job", args=[job_id]) + "?" + _next_query(back)
    return redirect(url)


def _next_query(back: str) -> str:
    return urlencode({"next": back})


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def bulk_progress(request: HttpRequest, job_id: str) -> HttpResponse:
    job = bulk_job(user=request.user, job_id=job_id)
    if job is None:
        raise Http404("No such bulk action")
    context = {"job": job, "next": next_url(request), "here": request.get_full_path()}
    if wants_partial(request):
        response = render(request, "tasks_ui/bulk_job.html#progress", context)
        if job.finished:
            # 286 tells htmx to stop polling; the final rows are in this answer.
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "tasks_ui/bulk_job.html", context)
