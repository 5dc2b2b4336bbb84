"""Saving a person's choice of channels per kind of reminder, and their own Apprise URL (the
forms are on "My reminders")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.notifications.channels.apprise_transport import AppriseURLError
from portal.notifications.forms import apprise_problem
from portal.notifications.preference_forms import ChannelChoiceForm, PersonalAppriseForm
from portal.notifications.services.personal import personal_channel_remove, personal_channel_save
from portal.notifications.services.preferences import (
    families_available,
    personal_channel_of,
    preferences_save,
)
from portal.notifications.services.send import channel_test
from portal.sites.audit import audit_record


@login_required
@require_POST
def my_channels(request):
    form = ChannelChoiceForm(request.POST, families=families_available(user=request.user))
    if form.is_valid():
        preferences_save(user=request.user, choices=form.cleaned_data)
        audit_record(user=request.user, site=None, action="reminder_channels",
                     changes=form.cleaned_data)  # fmt: skip
        messages.success(request, _("Your choice of channels is saved."))
    else:
        messages.error(request, _("That choice of channels could not be saved."))
    return redirect("notifications:me")


@login_required
@require_POST
def my_apprise(request):
    user = request.user
    if request.POST.get("action") == "remove":
        personal_channel_remove(user=user)
        audit_record(user=user, site=None, action="personal_apprise_remove", changes={})
        messages.success(request, _("Your Apprise URL is removed."))
        return redirect("notifications:me")
    form = PersonalAppriseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give an Apprise URL."))
        return redirect("notifications:me")
    try:
        personal_channel_save(user=user, url=form.cleaned_data["url"])
    except AppriseURLError as exc:
        messages.error(request, apprise_problem(exc))  # names the scheme at most, never the URL
        return redirect("notifications:me")
    audit_record(user=user, site=None, action="personal_apprise_set", changes={})  # no URL
    messages.success(
        request, _("Your Apprise URL is saved: send a test, then pick it for the kinds you want.")
    )
    return redirect("notifications:me")


@login_required
@require_POST
def my_apprise_test(request):
    channel = personal_channel_of(request.user)
    if channel is None:
        messages.error(request, _("Set your Apprise URL first."))
    else:
        ok, error = channel_test(channel=channel)
        if ok:
            messages.success(request, _("Sent. Check that it arrived."))
        else:
            messages.error(request, _("Failed: %(error)s") % {"error": error})
    return redirect("notifications:me")
