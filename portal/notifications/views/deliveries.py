from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.notifications.models import Channel, Delivery
from portal.notifications.selectors import (
    acknowledge_state_for_task,
    delivery_list,
    reminder_history_for_task,
)
from portal.notifications.services.ledger import delivery_replay
from portal.sites.models import Site
from portal.sites.views.guards import admin_required


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


@admin_required
def delivery_log(request):
    params = request.GET
    status = params.get("status", "")
    if status not in Delivery.Status.values:
        status = ""
    deliveries = delivery_list(
        site_id=_int(params.get("site")), channel_id=_int(params.get("channel")), status=status
    )
    page = Paginator(deliveries, 50).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/deliveries.html",
        {
            "page": page,
            "sites": Site.objects.all(),
            "channels": Channel.objects.all(),
            "statuses": Delivery.Status.choices,
            "filters": params,
            "query": query.urlencode(),
        },
    )


@admin_required
def delivery_detail(request, delivery_id):
    delivery = get_object_or_404(Delivery.objects.select_related("channel"), pk=delivery_id)
    items = delivery.items.select_related("site")
    return render(request, "notifications/delivery.html", {"delivery": delivery, "items": items})


@admin_required
@require_POST
def delivery_replay_view(request, delivery_id):
    delivery = get_object_or_404(Delivery, pk=delivery_id)
    if delivery_replay(delivery=delivery):
        messages.success(request, _("Queued to be sent again, with the same idempotency key."))
    else:
        messages.warning(request, _("Only failed, unknown or skipped deliveries can be replayed."))
    return redirect("notifications:delivery", delivery_id=delivery.pk)


@admin_required
def task_history(request, site_id, task_id):
    site = get_object_or_404(Site, pk=site_id)
    history = reminder_history_for_task(site_id=site.pk, task_id=task_id)
    return render(
        request,
        "notifications/task_history.html",
        {
            "site": site,
            "task_id": task_id,
            "history": history,
            "ack": acknowledge_state_for_task(site_id=site.pk, task_id=task_id),
        },
    )
