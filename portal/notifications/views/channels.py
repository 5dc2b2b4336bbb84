from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.notifications.forms import ChannelForm
from portal.notifications.models import Channel
from portal.notifications.services.send import channel_test
from portal.sites.audit import audit_record
from portal.sites.views.guards import admin_required


@admin_required
def channel_list(request):
    return render(request, "notifications/channels.html", {"channels": Channel.objects.all()})


@admin_required
def channel_edit(request, channel_id=None):
    channel = get_object_or_404(Channel, pk=channel_id) if channel_id else Channel()
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        # A changed configuration deserves a fresh chance; "Send test" tells whether it works.
        Channel.objects.filter(pk=saved.pk).update(broken_at=None, broken_reason="")
        audit_record(
            user=request.user,
            site=None,
            action="channel_edit" if channel_id else "channel_add",
            changes={"channel": saved.name, "kind": saved.kind},  # never the secrets
        )
        messages.success(request, _("Channel saved. Send a test to check it."))
        return redirect("notifications:channel_edit", channel_id=saved.pk)
    return _page(request, channel=channel, form=form)


@admin_required
@require_POST
def channel_test_view(request, channel_id):
    channel = get_object_or_404(Channel, pk=channel_id)
    recipient = request.POST.get("recipient", "").strip()[:254]
    ok, error = channel_test(channel=channel, recipient=recipient)
    channel.refresh_from_db()
    return _page(
        request,
        channel=channel,
        form=ChannelForm(instance=channel),
        result={"ok": ok, "error": error},
        recipient=recipient,
        partial="test-result" if request.htmx else "",
    )


def _page(request, *, channel, form, result=None, recipient="", partial=""):
    slack_url = ""
    if channel.pk and channel.kind == Channel.Kind.SLACK:
        slack_url = settings.PORTAL_BASE_URL + reverse(
            "notifications:slack_actions", args=[channel.pk]
        )
    template = "notifications/channel_form.html" + (f"#{partial}" if partial else "")
    context = {"form": form, "channel": channel, "result": result, "recipient": recipient,
               "slack_actions_url": slack_url}  # fmt: skip
    return render(request, template, context)


@admin_required
@require_POST
def channel_delete(request, channel_id):
    channel = get_object_or_404(Channel, pk=channel_id)
    audit_record(user=request.user, site=None, action="channel_remove",
                 changes={"channel": channel.name})  # fmt: skip
    channel.delete()
    messages.success(request, _("Channel removed."))
    return redirect("notifications:channels")
