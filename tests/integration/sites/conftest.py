"""The people most access tests need: an admin, a member granted site A, an outsider."""

import pytest
from django.contrib.auth.models import Group

from portal.sites.models import Profile, Site, SiteGrant, SiteUser, Team


@pytest.fixture
def site_a(db):
    return Site.objects.create(name="Site A", base_url="http://127.0.0.1:9", client_id="cid-a")


@pytest.fixture
def site_b(db):
    return Site.objects.create(name="Site B", base_url="http://127.0.0.2:9", client_id="cid-b")


def make_user(django_user_model, username, role=Profile.Role.MEMBER):
    user = django_user_model.objects.create_user(username, password="x-Very-Long-Pass-1")
    Profile.objects.create(user=user, role=role)
    return user


@pytest.fixture
def admin_user(django_user_model):
    return make_user(django_user_model, "ada", Profile.Role.ADMIN)


@pytest.fixture
def member(django_user_model, site_a):
    user = make_user(django_user_model, "mona")
    SiteGrant.objects.create(site=site_a, user=user)
    return user


@pytest.fixture
def outsider(django_user_model):
    return make_user(django_user_model, "otto")


@pytest.fixture
def group(site_b):
    group = Group.objects.create(name="Support")
    SiteGrant.objects.create(site=site_b, group=group)
    return group


@pytest.fixture
def team(site_a, admin_user):
    team = Team.objects.create(name="Team A", lead=admin_user)
    team.members.add(SiteUser.objects.create(site=site_a, user_id="sales1@lab.local"))
    return team
