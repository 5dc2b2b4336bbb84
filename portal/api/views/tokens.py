"""A person's own API tokens: make one (shown once), see them, revoke them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from portal.api.forms import TokenForm
from portal.api.tokens import token_create, token_list_for_user, token_revoke
from portal.sites.access import site_list_for_user


@login_required
@never_cache  # the answer to a create holds the token: no cache may keep it
@require_http_methods(["GET", "POST"])
def token_page(request):
    sites = list(site_list_for_user(user=request.user).order_by("name"))
    form = TokenForm(request.POST or None, sites=sites)
    made = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = token_create(
            user=request.user, name=data["name"], scope=data["scope"],
            expires_at=form.expires_at(), site_ids=data["sites"],
        )  # fmt: skip
        form = TokenForm(sites=sites)
    context = {
        "form": form,
        "made": made,
        "tokens": token_list_for_user(user=request.user),
    }
    return render(request, "api/tokens.html", context, status=201 if made else 200)


@login_required
@require_POST
def token_revoke_view(request, token_id: int):
    token = token_revoke(user=request.user, token_id=token_id)
    if token is None:
        raise Http404("No such token")
    messages.success(request, _("Token %(prefix)s is revoked.") % {"prefix": token.prefix})
    return redirect("api:tokens")
