from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.notifications.forms import RuleForm
from portal.notifications.models import Rule
from portal.sites.audit import audit_record
from portal.sites.views.guards import admin_required


@admin_required
def rule_list(request):
    rules = Rule.objects.prefetch_related("sites", "broadcast_channels").select_related(
        "person_channel", "unassigned_channel"
    )
    return render(request, "notifications/rules.html", {"rules": rules})


@admin_required
def rule_edit(request, rule_id=None):
    rule = get_object_or_404(Rule, pk=rule_id) if rule_id else Rule()
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        audit_record(
            user=request.user,
            site=None,
            action="reminder_rule_edit" if rule_id else "reminder_rule_add",
            changes={"rule": saved.name},
        )
        messages.success(request, _("Rule saved."))
        return redirect("notifications:rules")
    return render(request, "notifications/rule_form.html", {"form": form, "rule": rule})


@admin_required
@require_POST
def rule_delete(request, rule_id):
    rule = get_object_or_404(Rule, pk=rule_id)
    audit_record(
        user=request.user, site=None, action="reminder_rule_remove", changes={"rule": rule.name}
    )
    rule.delete()
    messages.success(request, _("Rule removed."))
    return redirect("notifications:rules")
