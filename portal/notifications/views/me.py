"""A person's own reminder settings: where reminders reach them, in which time zone (quiet
hours are kept in it), and whether they want reminders at all. Any logged-in user may open it;
admins manage other people's opt-outs on the opt-outs page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.notifications.channels.apprise_transport import display_url
from portal.notifications.forms import MyRemindersForm
from portal.notifications.models import OptOut
from portal.notifications.preference_forms import ChannelChoiceForm, PersonalAppriseForm
from portal.notifications.services.actions import address_unsubscribe
from portal.notifications.services.preferences import (
    families_available,
    personal_channel_of,
    preferences_for,
)
from portal.sites.access import profile_for
from portal.sites.audit import audit_record


@login_required
def my_reminders(request):
    # The address is shown, not edited here: an address anyone could type would let them stop
    # someone else's reminders. Admins set people's addresses on the people pages.
    user = request.user
    profile = profile_for(user)
    address = (user.email or "").lower()
    opted_out = bool(address) and OptOut.objects.filter(address=address).exists()
    initial = {"time_zone": profile.time_zone or "UTC", "wanted": not opted_out}
    form = MyRemindersForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            profile.time_zone = data["time_zone"]
            profile.save(update_fields=["time_zone"])
            if address and not data["wanted"]:
                address_unsubscribe(address=address, source="self")
            elif address:
                OptOut.objects.filter(address=address).delete()
            audit_record(user=user, site=None, action="reminder_settings", changes={
                "address": address, "time_zone": data["time_zone"], "wanted": data["wanted"],
            })  # fmt: skip
        messages.success(request, _("Your reminder settings are saved."))
        return redirect("notifications:me")
    connections = user.connections.select_related("site").order_by("site__name")
    channel_form = ChannelChoiceForm(
        initial=preferences_for(user=user), families=families_available(user=user)
    )
    personal = personal_channel_of(user)
    return render(
        request,
        "notifications/me.html",
        {"form": form, "connections": connections, "opted_out": opted_out, "address": address,
         "channel_form": channel_form, "personal": personal,
         "personal_url": display_url(personal.config.get("url", "")) if personal else "",
         "personal_form": PersonalAppriseForm()},
    )  # fmt: skip
