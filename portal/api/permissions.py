"""Who may call what: the pages' rules (portal.sites.access), plus the token's own scope."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from portal.api.models import ApiToken
from portal.sites.access import user_is_admin, user_is_lead


class TokenScope(permissions.BasePermission):
    """A read token reads; writes need a token with the write scope (or a session)."""

    message = _("This token may only read: make one with the write scope to change tasks.")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if request.method in permissions.SAFE_METHODS or not isinstance(token, ApiToken):
            return True
        return token.can_write


class IsLead(permissions.BasePermission):
    message = _("Only team leads and admins may see this.")

    def has_permission(self, request, view) -> bool:
        return user_is_lead(request.user)


class IsAdmin(permissions.BasePermission):
    message = _("Only portal admins may do this.")

    def has_permission(self, request, view) -> bool:
        return user_is_admin(request.user)
