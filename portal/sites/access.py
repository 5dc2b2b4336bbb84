"""Who may see what. A site's task reads ignore Frappe permissions (recordings 071-073), so
these checks are the only thing between a portal user and another team's tasks. Every view and
htmx endpoint calls them in Python; templates never decide access."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.sites.models import Profile, Site, Team

# A narrower view for one request: an API token limited to some sites sees only those, through
# every read and write that asks these functions (None: no limit beyond the person's grants).
_site_limit: ContextVar[frozenset[int] | None] = ContextVar("portal_site_limit", default=None)


@contextmanager
def sites_limited_to(site_ids: Iterable[int] | None) -> Iterator[None]:
    """Within the block, the person's visible sites are also limited to ``site_ids``."""
    token = _site_limit.set(None if site_ids is None else frozenset(site_ids))
    try:
        yield
    finally:
        _site_limit.reset(token)


def profile_for(user: User) -> Profile:
    profile = getattr(user, "_portal_profile", None)
    if profile is None:
        profile, _ = Profile.objects.get_or_create(user=user)
        user._portal_profile = profile
    return profile


def user_is_admin(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or profile_for(user).role == Profile.Role.ADMIN


def user_is_lead(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user_is_admin(user) or profile_for(user).role == Profile.Role.LEAD


def site_list_for_user(*, user: User, include_inactive: bool = False) -> QuerySet[Site]:
    """Sites whose tasks the user may see: admins all; others their grants (direct or through
    a group); team leads also the sites their teams' members work on."""
    sites = Site.objects.all() if include_inactive else Site.objects.filter(is_active=True)
    limit = _site_limit.get()
    if limit is not None:
        sites = sites.filter(pk__in=sorted(limit))
    if not user.is_authenticated or not user.is_active:
        return sites.none()
    if user_is_admin(user):
        return sites
    granted = Q(grants__user=user) | Q(grants__group__in=user.groups.all())
    if profile_for(user).role == Profile.Role.LEAD:
        granted |= Q(site_users__teams__lead=user)
    return sites.filter(granted).distinct()


def site_get_for_user(*, user: User, site_id: int, include_inactive: bool = False) -> Site:
    """The site, or 404: a site the user may not see is indistinguishable from none at all."""
    try:
        return site_list_for_user(user=user, include_inactive=include_inactive).get(pk=site_id)
    except (Site.DoesNotExist, ValueError, TypeError):
        raise Http404("No such site") from None


def team_list_for_user(*, user: User) -> QuerySet[Team]:
    if user_is_admin(user):
        return Team.objects.all()
    if user_is_lead(user):
        return Team.objects.filter(lead=user)
    return Team.objects.none()
