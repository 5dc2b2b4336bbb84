from django.contrib import messages
from django.utils.translation import gettext as _

from portal.sites.access import user_is_admin, user_is_lead
from portal.sites.models import Site
from portal.sites.services.connect import connections_unfinished


def navigation(request):
    """What the navigation may offer; the views check access again on every request. Every
    page passes here, so this is also where a person hears about a connect that never came
    back from its site, on whichever page they open next."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    _tell_unfinished_connections(request)
    return {"nav_is_admin": user_is_admin(user), "nav_is_lead": user_is_lead(user)}


def _tell_unfinished_connections(request) -> None:
    session = getattr(request, "session", None)
    site_ids = connections_unfinished(session=session) if session is not None else []
    if not site_ids:
        return  # the usual case: no query
    names = Site.objects.filter(pk__in=site_ids).order_by("name").values_list("name", flat=True)
    for name in names:
        messages.warning(
            request,
            _(
                "Your connection to %(site)s did not finish. If the site showed “Invalid "
                "client_id parameter value”, ask an admin to add your role to the OAuth "
                "Client's Allowed Roles on that site (Frappe allows only Desk User by "
                "default), then connect again from the sites page."
            )
            % {"site": name},
            fail_silently=True,
        )
