"""Admin pages for people and access: roles, grants per user or group, teams."""

from django.contrib import messages
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.sites.access import profile_for
from portal.sites.audit import audit_record
from portal.sites.forms import GroupAccessForm, NewUserForm, TeamForm, UserAccessForm
from portal.sites.models import Site, SiteGrant, Team
from portal.sites.views.guards import admin_required


def _form_page(request, form, heading, *, subject="", remove_url=""):
    return render(
        request,
        "sites/simple_form.html",
        {"form": form, "heading": heading, "subject": subject, "remove_url": remove_url,
         "cancel_url": reverse("sites:people")},
    )  # fmt: skip


@admin_required
def people(request):
    users = User.objects.order_by("username").prefetch_related("groups")
    grants = SiteGrant.objects.select_related("site", "user", "group")
    by_user, by_group = {}, {}
    for grant in grants:
        if grant.user_id:
            by_user.setdefault(grant.user_id, []).append(grant.site)
        else:
            by_group.setdefault(grant.group_id, []).append(grant.site)
    rows = [{"user": u, "profile": profile_for(u), "sites": by_user.get(u.pk, [])} for u in users]
    groups = [{"group": g, "sites": by_group.get(g.pk, [])} for g in Group.objects.order_by("name")]
    return render(
        request,
        "sites/people.html",
        {"rows": rows, "groups": groups, "teams": Team.objects.select_related("lead")},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def user_add(request):
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.set_password(form.cleaned_data["password"])
        user.save()
        audit_record(
            user=request.user, site=None, action="user_add", changes={"user": user.username}
        )
        return redirect("sites:user_edit", user_id=user.pk)
    return _form_page(request, form, _("Add a person"))


@admin_required
@require_http_methods(["GET", "POST"])
def user_edit(request, user_id):
    person = get_object_or_404(User, pk=user_id)
    profile = profile_for(person)
    granted = Site.objects.filter(grants__user=person)
    initial = {
        "email": person.email,
        "role": profile.role,
        "language": profile.language,
        "sites": granted,
        "groups": person.groups.all(),
        "is_active": person.is_active,
    }
    form = UserAccessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if person == request.user and (data["role"] != profile.role or not data["is_active"]):
            if not request.user.is_superuser:
                messages.error(request, _("You cannot lower your own role or deactivate yourself."))
                return redirect("sites:user_edit", user_id=person.pk)
        with transaction.atomic():
            profile.role, profile.language = data["role"], data["language"]
            profile.save()
            person.is_active, person.email = data["is_active"], data["email"]
            person.save(update_fields=["is_active", "email"])
            person.groups.set(data["groups"])
            SiteGrant.objects.filter(user=person).exclude(site__in=data["sites"]).delete()
            for site in data["sites"]:
                SiteGrant.objects.get_or_create(site=site, user=person)
        audit_record(
            user=request.user,
            site=None,
            action="access_edit",
            changes={
                "user": person.username,
                "email": data["email"],
                "role": data["role"],
                "sites": [s.name for s in data["sites"]],
            },
        )
        messages.success(request, _("Access of %(user)s saved.") % {"user": person.username})
        return redirect("sites:people")
    return _form_page(request, form, _("Access of"), subject=person.get_username())


@admin_required
@require_http_methods(["GET", "POST"])
def group_edit(request, group_id=None):
    group = get_object_or_404(Group, pk=group_id) if group_id else None
    initial = (
        {"name": group.name, "sites": Site.objects.filter(grants__group=group)} if group else {}
    )
    form = GroupAccessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if group is None:
                group, _created = Group.objects.get_or_create(name=form.cleaned_data["name"])
            else:
                group.name = form.cleaned_data["name"]
                group.save()
            sites = form.cleaned_data["sites"]
            SiteGrant.objects.filter(group=group).exclude(site__in=sites).delete()
            for site in sites:
                SiteGrant.objects.get_or_create(site=site, group=group)
        audit_record(
            user=request.user,
            site=None,
            action="access_edit",
            changes={"group": group.name, "sites": [s.name for s in sites]},
        )
        return redirect("sites:people")
    heading = _("Group") if group else _("Add a group")
    return _form_page(request, form, heading, subject=group.name if group else "")


@admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request, team_id=None):
    team = get_object_or_404(Team, pk=team_id) if team_id else None
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        team = form.save()
        audit_record(
            user=request.user,
            site=None,
            action="team_edit",
            changes={"team": team.name, "lead": str(team.lead or "")},
        )
        return redirect("sites:people")
    heading = _("Team") if team else _("Add a team")
    remove = reverse("sites:team_remove", args=[team.pk]) if team else ""
    return _form_page(request, form, heading, subject=team.name if team else "", remove_url=remove)


@admin_required
@require_POST
def team_delete(request, team_id):
    team = get_object_or_404(Team, pk=team_id)
    audit_record(user=request.user, site=None, action="team_remove", changes={"team": team.name})
    team.delete()
    return redirect("sites:people")
