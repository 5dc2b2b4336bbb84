"""Who sees which site: admins all, members their grants (direct or by group), leads also
their teams' sites."""

import pytest

from portal.sites.access import site_get_for_user, site_list_for_user
from portal.sites.models import Profile

pytestmark = pytest.mark.django_db


def names(user):
    return sorted(site.name for site in site_list_for_user(user=user))


def test_admins_see_every_site(admin_user, site_a, site_b):
    assert names(admin_user) == ["Site A", "Site B"]


def test_members_see_their_granted_sites_only(member, site_b):
    assert names(member) == ["Site A"]


def test_a_group_grant_reaches_every_member_of_the_group(outsider, group):
    assert names(outsider) == []
    outsider.groups.add(group)
    assert names(outsider) == ["Site B"]


def test_leads_see_the_sites_their_teams_work_on(outsider, team, site_a):
    outsider.profile.role = Profile.Role.LEAD
    outsider.profile.save()
    team.lead = outsider
    team.save()
    assert names(outsider) == ["Site A"]


def test_disabled_sites_leave_task_pages_but_stay_for_admin_pages(member, site_a):
    site_a.is_active = False
    site_a.save()
    assert names(member) == []
    assert site_list_for_user(user=member, include_inactive=True).count() == 1


def test_a_site_outside_the_grants_is_a_404(member, site_b):
    from django.http import Http404

    with pytest.raises(Http404):
        site_get_for_user(user=member, site_id=site_b.pk)


def test_inactive_users_see_nothing(member):
    member.is_active = False
    member.save()
    assert names(member) == []
