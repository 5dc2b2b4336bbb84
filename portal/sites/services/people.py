"""Site users the portal has seen: for assignment pickers, teams and reminder addresses."""

from __future__ import annotations

from portal import clock
from portal.sites.models import Site, SiteUser


def site_user_seen(*, site: Site, user_id: str, email: str = "", full_name: str = "") -> SiteUser:
    defaults = {"last_seen_at": clock.now()}
    if email:
        defaults["email"] = email[:254]
    if full_name:
        defaults["full_name"] = full_name[:140]
    site_user, _ = SiteUser.objects.update_or_create(
        site=site, user_id=user_id[:140], defaults=defaults
    )
    return site_user


def site_users_seen_in(*, site: Site, tasks) -> None:
    """Learns assignees from tasks the client returned (bounded, one query per new person)."""
    known = set(SiteUser.objects.filter(site=site).values_list("user_id", flat=True))
    for task in tasks:
        for assignee in task.assignees:
            user_id = assignee.user_id or assignee.email
            if user_id and user_id not in known:
                site_user_seen(
                    site=site,
                    user_id=user_id,
                    email=assignee.email or "",
                    full_name=assignee.full_name or "",
                )
                known.add(user_id)
