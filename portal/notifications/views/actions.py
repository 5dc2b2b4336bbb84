"""Links in reminders. GET shows what will happen and a button; only POST acts, so mail
scanners that fetch every link cannot mark a task done. The unsubscribe URL also takes RFC 8058
one-click POSTs from mail clients, which carry no CSRF token: the signed token is the credential.
"""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from portal.notifications import tokens
from portal.notifications.services.actions import address_unsubscribe, task_act
from portal.sites.models import Site


def _refused(request, error: Exception):
    expired = isinstance(error, tokens.LinkExpired)
    return render(
        request,
        "notifications/link_refused.html",
        {"expired": expired},
        status=410 if expired else 403,
    )


@never_cache
def act(request, token):
    try:
        link = tokens.action_from_token(token)
    except (tokens.LinkInvalid, tokens.LinkExpired) as error:
        return _refused(request, error)
    site = Site.objects.filter(pk=link.site_id).first()
    context = {"link": link, "site": site, "result": None}
    if request.method == "POST":
        actor = link.recipient or "link"
        by = ""
        if request.user.is_authenticated:
            actor = f"{request.user.get_username()} (via {actor})"
            by = request.user.get_full_name() or request.user.get_username()
        context["result"] = task_act(link=link, actor=f"reminder link: {actor}", by=by)
    return render(request, "notifications/act.html", context)


@never_cache
@csrf_exempt
def unsubscribe(request, token):
    try:
        address = tokens.address_from_unsubscribe_token(token)
    except (tokens.LinkInvalid, tokens.LinkExpired) as error:
        return _refused(request, error)
    done = False
    if request.method == "POST":
        address_unsubscribe(address=address, source="link")
        done = True
    return render(
        request,
        "notifications/unsubscribe.html",
        {"address": address, "done": done, "title": _("Unsubscribe")},
    )
