from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.notifications.models import OptOut
from portal.notifications.selectors import (
    channels_broken,
    delivery_counts,
    scan_runs_recent,
    uncovered_latest,
)
from portal.notifications.services.actions import address_unsubscribe
from portal.sites.audit import audit_record
from portal.sites.views.guards import admin_required


@admin_required
def overview(request):
    coverage_run, coverage = uncovered_latest()
    return render(
        request,
        "notifications/overview.html",
        {
            "coverage_run": coverage_run,
            "coverage": coverage,
            "uncovered_total": sum(s.uncovered_count for s in coverage),
            "runs": scan_runs_recent(limit=10),
            "broken": channels_broken(),
            "counts": delivery_counts(),
            "interval": settings.NOTIFY_SCAN_INTERVAL_MINUTES,
        },
    )


@admin_required
@require_POST
def scan_now(request):
    from portal.notifications.tasks import scan_all

    try:
        scan_all.apply_async(queue=settings.NOTIFY_QUEUE)
    except Exception as exc:  # the broker is down: say so rather than answer 500
        messages.error(request, _("The scan could not be queued: %(error)s") % {"error": exc})
    else:
        messages.success(request, _("A scan of every active site was queued."))
    return redirect("notifications:overview")


class OptOutForm(forms.Form):
    address = forms.EmailField(label=gettext_lazy("Address"))


@admin_required
def opt_outs(request):
    form = OptOutForm(request.POST or None)
    if request.method == "POST":
        remove = request.POST.get("remove", "").strip().lower()
        if remove:
            OptOut.objects.filter(address=remove).delete()
            audit_record(user=request.user, site=None, action="reminder_opt_in",
                         changes={"address": remove})  # fmt: skip
            messages.success(request, _("Reminders resume for that address."))
            return redirect("notifications:opt_outs")
        if form.is_valid():
            address_unsubscribe(address=form.cleaned_data["address"], source="admin")
            audit_record(user=request.user, site=None, action="reminder_opt_out",
                         changes={"address": form.cleaned_data["address"].lower()})  # fmt: skip
            messages.success(request, _("No more reminders to that address."))
            return redirect("notifications:opt_outs")
    return render(
        request, "notifications/opt_outs.html", {"form": form, "opt_outs": OptOut.objects.all()}
    )
