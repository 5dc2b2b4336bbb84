"""Sites pages: the list with health badges, and (admins) add, edit, disable, remove, doctor,
service credential."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from portal.sites.access import site_get_for_user, site_list_for_user, user_is_admin
from portal.sites.forms import ServiceCredentialForm, SiteForm
from portal.sites.models import Connection, ServiceCredential, Site
from portal.sites.services.checks import site_checks
from portal.sites.services.clients import site_features
from portal.sites.services.doctor import doctor_checks
from portal.sites.services.health import site_health, site_health_refresh
from portal.sites.services.registry import (
    service_credential_set,
    site_doctor,
    site_remove,
    site_save,
    site_set_active,
)
from portal.sites.views.guards import admin_required


def _rows(user, sites):
    connections = {c.site_id: c for c in Connection.objects.filter(user=user, site__in=sites)}
    return [
        {
            "site": site,
            "connection": connections.get(site.pk),
            "health": site_health(site=site, connection=connections.get(site.pk)),
        }
        for site in sites
    ]


@login_required
def site_list(request):
    admin = user_is_admin(request.user)
    sites = list(site_list_for_user(user=request.user, include_inactive=admin))
    return render(
        request, "sites/list.html", {"rows": _rows(request.user, sites), "is_admin": admin}
    )


@login_required
def site_detail(request, site_id):
    admin = user_is_admin(request.user)
    site = site_get_for_user(user=request.user, site_id=site_id, include_inactive=admin)
    connection = Connection.objects.filter(user=request.user, site=site).first()
    context = {
        "site": site,
        "connection": connection,
        "health": site_health(site=site, connection=connection),
        "checks": doctor_checks(site),
        "periodic": site_checks(site),
        "is_admin": admin,
        "redirect_uri": Site.redirect_uri(),
        "features": site_features(site),
    }
    if admin:
        credential = ServiceCredential.objects.filter(site=site).first()
        initial = {"kind": credential.kind, "api_key": credential.api_key} if credential else {}
        context.update(
            credential=credential,
            credential_form=ServiceCredentialForm(site=site, initial=initial),
            connections=Connection.objects.filter(site=site).select_related("user"),
        )
    return render(request, "sites/detail.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def site_add(request):
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        site = site_save(
            site=form.save(commit=False),
            user=request.user,
            created=True,
            service_api_key=form.cleaned_data["service_api_key"],
            service_api_secret=form.cleaned_data["service_api_secret"],
            service_token=form.cleaned_data["service_token"],
        )
        messages.success(request, _("Site added. The doctor's findings are below."))
        return redirect("sites:detail", site_id=site.pk)
    return render(request, "sites/form.html", {"form": form, "redirect_uri": Site.redirect_uri()})


@admin_required
@require_http_methods(["GET", "POST"])
def site_edit(request, site_id):
    site = get_object_or_404(Site, pk=site_id)
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        site_save(
            site=form.save(commit=False),
            user=request.user,
            created=False,
            service_api_key=form.cleaned_data["service_api_key"],
            service_api_secret=form.cleaned_data["service_api_secret"],
            service_token=form.cleaned_data["service_token"],
        )
        messages.success(request, _("Site saved."))
        return redirect("sites:detail", site_id=site.pk)
    return render(
        request,
        "sites/form.html",
        {"form": form, "site": site, "redirect_uri": Site.redirect_uri()},
    )


@admin_required
@require_POST
def site_toggle(request, site_id):
    site = get_object_or_404(Site, pk=site_id)
    site_set_active(site=site, user=request.user, active=not site.is_active)
    if site.is_active:
        messages.success(request, _("%(site)s is enabled.") % {"site": site.name})
    else:
        messages.success(request, _("%(site)s is disabled.") % {"site": site.name})
    return redirect("sites:detail", site_id=site.pk)


@admin_required
@require_http_methods(["GET", "POST"])
def site_delete(request, site_id):
    site = get_object_or_404(Site, pk=site_id)
    if request.method == "POST":
        name = site.name
        warnings = site_remove(site=site, user=request.user)
        messages.success(
            request, _("%(site)s was removed and its tokens revoked.") % {"site": name}
        )
        for warning in warnings:
            messages.warning(
                request, _("The site could not revoke a token: %(w)s") % {"w": warning}
            )
        return redirect("sites:list")
    return render(request, "sites/confirm_remove.html", {"site": site})


@admin_required
@require_POST
def site_doctor_run(request, site_id):
    site = get_object_or_404(Site, pk=site_id)
    site_doctor(site=site)
    messages.info(request, _("The doctor checked the site again."))
    return redirect("sites:detail", site_id=site.pk)


@login_required
@require_POST
@vary_on_headers("HX-Request")
def site_health_check(request, site_id):
    admin = user_is_admin(request.user)
    site = site_get_for_user(user=request.user, site_id=site_id, include_inactive=admin)
    site_health_refresh(site=site)
    site.refresh_from_db()
    if request.htmx:
        row = _rows(request.user, [site])[0]
        return render(request, "sites/list.html#site-row", {"row": row, "is_admin": admin})
    return redirect("sites:list")


@admin_required
@require_POST
def service_credential_edit(request, site_id):
    site = get_object_or_404(Site, pk=site_id)
    form = ServiceCredentialForm(request.POST, site=site)
    if form.is_valid():
        credential = service_credential_set(
            site=site,
            user=request.user,
            kind=form.cleaned_data["kind"],
            api_key=form.cleaned_data.get("api_key") or "",
            api_secret=form.cleaned_data.get("api_secret") or "",
            connection=form.cleaned_data.get("connection"),
        )
        if credential.last_error:
            messages.error(
                request, _("Saved, but the check failed: %(e)s") % {"e": credential.last_error}
            )
        else:
            messages.success(request, _("Service credential saved and checked."))
        site_doctor(site=site)
    else:
        for error in form.non_field_errors():
            messages.error(request, error)
    return redirect("sites:detail", site_id=site.pk)
