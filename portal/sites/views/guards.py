"""Access checks for views, in Python (never only in templates): anonymous → login page,
logged in without the right → 403, a site one may not see → 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from portal.sites.access import user_is_admin, user_is_lead


def admin_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not user_is_admin(request.user):
            raise PermissionDenied("Only portal admins may do this.")
        return view(request, *args, **kwargs)

    return wrapped


def lead_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not user_is_lead(request.user):
            raise PermissionDenied("Only team leads and admins may see this.")
        return view(request, *args, **kwargs)

    return wrapped
