from portal.sites.access import user_is_admin, user_is_lead


def navigation(request):
    """What the navigation may offer; the views check access again on every request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_is_admin": user_is_admin(user), "nav_is_lead": user_is_lead(user)}
