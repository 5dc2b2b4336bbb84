"""Connect, OAuth callback, disconnect: each user's own account on a site."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.sites.access import site_get_for_user
from portal.sites.frappe import FrappeError
from portal.sites.models import Connection, Site
from portal.sites.services.clients import client_for_connection
from portal.sites.services.connect import (
    ConnectFailed,
    connection_begin,
    connection_complete,
    connection_disconnect,
)
from portal.sites.services.doctor import doctor_run


@login_required
@require_GET
def connect(request, site_id):
    """A plain link, not a form: the browser leaves for the site's own login and consent pages."""
    site = site_get_for_user(user=request.user, site_id=site_id)
    try:
        url = connection_begin(session=request.session, site=site)
    except FrappeError as exc:
        return render(
            request, "sites/connect_failed.html", {"message": exc.message, "site": site}, status=400
        )
    return redirect(url)


@login_required
@require_GET
def oauth_callback(request):
    params = request.GET
    try:
        connection = connection_complete(
            session=request.session,
            user=request.user,
            state=params.get("state", "")[:200],
            code=params.get("code", ""),
            error=params.get("error", "")[:100],
            error_description=params.get("error_description", "")[:300],
            site_lookup=lambda site_id: site_get_for_user(user=request.user, site_id=site_id),
        )
    except ConnectFailed as failure:
        context = {"message": failure.message, "fix": failure.fix, "site": failure.site}
        return render(request, "sites/connect_failed.html", context, status=400)
    site = connection.site
    if not site.vocabulary or not site.flavour:
        # The first connection can see what an anonymous probe could not: flavour, options.
        doctor_run(site=site, client=client_for_connection(connection), with_credential=True)
    messages.success(
        request,
        _("Connected to %(site)s as %(user)s.")
        % {"site": site.name, "user": connection.site_user_id},
    )
    return redirect("sites:detail", site_id=site.pk)


@login_required
@require_POST
def disconnect(request, site_id):
    site = get_object_or_404(Site, pk=site_id)
    connection = get_object_or_404(Connection, user=request.user, site=site)
    warning = connection_disconnect(connection=connection, user=request.user)
    messages.success(request, _("Disconnected from %(site)s.") % {"site": site.name})
    if warning:
        messages.warning(request, _("The site could not revoke the token: %(w)s") % {"w": warning})
    return redirect("sites:list")
