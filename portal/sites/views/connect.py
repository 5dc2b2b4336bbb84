"""Connect, OAuth callback, disconnect: each user's own account on a site."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.sites.access import site_get_for_user
from portal.sites.backends.errors import SiteError
from portal.sites.models import Connection, Site
from portal.sites.services.clients import (
    backend_class_label,
    backend_for_connection,
    site_features,
)
from portal.sites.services.connect import (
    ConnectFailed,
    connection_begin,
    connection_by_code,
    connection_by_site_login,
    connection_by_token,
    connection_code_request,
    connection_complete,
    connection_disconnect,
)
from portal.sites.services.doctor import doctor_run


@login_required
@require_http_methods(["GET", "POST"])
def connect(request, site_id):
    """A plain link, not a form, for sites with an OAuth2 provider: the browser leaves for the
    site's own login and consent pages. Other kinds connect here with a token or a code."""
    site = site_get_for_user(user=request.user, site_id=site_id)
    features = site_features(site)
    if not features.oauth_sign_in:
        return _connect_without_oauth(request, site, features)
    if request.method != "GET":
        return redirect("sites:connect", site_id=site.pk)
    try:
        url = connection_begin(session=request.session, site=site)
    except SiteError as exc:
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
        doctor_run(site=site, backend=backend_for_connection(connection), with_credential=True)
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


def _connect_without_oauth(request, site: Site, features):
    context = {
        "site": site,
        "features": features,
        "crm": backend_class_label(site),
        "email": request.user.email or "",
        "code_sent": False,
    }
    if request.method == "POST":
        how = request.POST.get("how", "")
        email = request.POST.get("email", "")[:254]
        context["email"] = email or context["email"]
        try:
            if how == "token" and features.token_sign_in:
                connection = connection_by_token(
                    user=request.user, site=site, token=request.POST.get("token", "")
                )
            elif how == "password" and features.password_sign_in:
                connection = connection_by_site_login(
                    user=request.user, site=site,
                    username=request.POST.get("username", "")[:150],
                    password=request.POST.get("password", "")[:500],
                )  # fmt: skip
            elif how == "send_code" and features.code_sign_in:
                connection_code_request(user=request.user, site=site, email=email)
                context["code_sent"] = True
                return render(request, "sites/connect_with_token.html", context)
            elif how == "code" and features.code_sign_in:
                connection = connection_by_code(
                    user=request.user, site=site, email=email, code=request.POST.get("code", "")
                )
            else:
                raise ConnectFailed(_("Choose how to connect."), site=site)
        except ConnectFailed as failure:
            context.update(error=failure.message, fix=failure.fix)
            return render(request, "sites/connect_with_token.html", context, status=400)
        if not site.vocabulary:
            doctor_run(site=site, backend=backend_for_connection(connection), with_credential=True)
        messages.success(
            request,
            _("Connected to %(site)s as %(user)s.")
            % {"site": site.name, "user": connection.site_user_id},
        )
        return redirect("sites:detail", site_id=site.pk)
    return render(request, "sites/connect_with_token.html", context)
