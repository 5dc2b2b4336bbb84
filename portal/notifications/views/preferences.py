"""Saving a person's choice of channels per kind of reminder (the form is on "My reminders")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.notifications.preference_forms import ChannelChoiceForm
from portal.notifications.services.preferences import families_available, preferences_save
from portal.sites.audit import audit_record


@login_required
@require_POST
def my_channels(request):
    form = ChannelChoiceForm(request.POST, families=families_available())
    if form.is_valid():
        preferences_save(user=request.user, choices=form.cleaned_data)
        audit_record(user=request.user, site=None, action="reminder_channels",
                     changes=form.cleaned_data)  # fmt: skip
        messages.success(request, _("Your choice of channels is saved."))
    else:
        messages.error(request, _("That choice of channels could not be saved."))
    return redirect("notifications:me")
