"""Acknowledge from the portal: anyone who may see the site's tasks may say they took a task on
(the task's reminder history page offers it). Nothing is written to the site."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.notifications.services.acknowledge import task_acknowledge
from portal.sites.access import site_get_for_user


@login_required
@require_POST
def task_acknowledge_view(request, site_id, task_id):
    site = site_get_for_user(user=request.user, site_id=site_id)
    user = request.user
    who = user.get_full_name() or user.get_username()
    result = task_acknowledge(site=site, task_id=task_id, by=who, source="portal", user=user)
    (messages.success if result.ok else messages.warning)(request, result.message)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = f"/tasks/{site.pk}/{task_id}/"
    return redirect(target)
