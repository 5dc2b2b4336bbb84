"""Saved views: the filter page's filters and sort under a name, per person; the link is the
filter page's own address; one view may be the start page, with the inbox a link away."""

from urllib.parse import urlencode

import pytest

from portal.sites.models import Profile
from portal.tasks_ui.models import SavedView

from .helpers import row_keys

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def other(django_user_model):
    user = django_user_model.objects.create_user("omar", password="Omar-Pass-2026!")
    Profile.objects.create(user=user, role=Profile.Role.MEMBER)
    return user


def save(client, name, query, **extra):
    return client.post("/tasks/views/", {"name": name, "query": query, "next": "/tasks/", **extra})


def test_saving_keeps_the_filters_and_sort_and_drops_the_rest(client, member):
    client.force_login(member)
    answer = save(client, "Urgent by due", "priority=High&sort=due&dir=desc&page=3&probe=7&x=1")
    assert answer.status_code == 302
    assert answer["Location"] == "/tasks/?priority=High&sort=due&dir=desc"
    view = SavedView.objects.get(owner=member)
    assert (view.name, view.query, view.is_start_page) == (
        "Urgent by due",
        "priority=High&sort=due&dir=desc",
        False,
    )
    page = client.get("/tasks/").content.decode()
    assert 'href="/tasks/?priority=High&amp;sort=due&amp;dir=desc"' in page
    assert "Urgent by due" in page


def test_the_save_form_carries_the_filters_shown_also_after_an_htmx_swap(client, member):
    client.force_login(member)
    html = client.get(
        "/tasks/?q=call&sort=title&dir=asc&page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    ).content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert 'name="query" value="q=call&amp;sort=title&amp;dir=asc"' in html


def test_the_same_name_again_replaces_the_view(client, member):
    client.force_login(member)
    save(client, "Mine", "assignee=me")
    save(client, "  Mine ", "assignee=me&status=open")
    assert list(SavedView.objects.values_list("name", "query")) == [
        ("Mine", "assignee=me&status=open")
    ]


def test_a_view_needs_a_name(client, member):
    client.force_login(member)
    answer = save(client, "   ", "q=x")
    assert answer.status_code == 302
    assert not SavedView.objects.exists()
    page = client.get(answer["Location"]).content.decode()
    assert "Give the view a name." in page


def test_names_are_escaped(client, member):
    client.force_login(member)
    save(client, "<script>alert(1)</script>", "q=x")
    page = client.get("/tasks/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_only_the_owner_deletes_a_view(client, member, other):
    client.force_login(member)
    save(client, "Mine", "q=x")
    view = SavedView.objects.get()
    client.force_login(other)
    client.post(f"/tasks/views/{view.pk}/delete/")
    assert SavedView.objects.filter(pk=view.pk).exists()
    listed = client.get("/tasks/").content.decode()
    assert f'data-saved-view="{view.pk}"' not in listed  # nor listed for others
    client.force_login(member)
    client.post(f"/tasks/views/{view.pk}/delete/")
    assert not SavedView.objects.exists()


def test_a_shared_link_applies_the_filters_for_whoever_opens_it(client, member, three_sites):
    client.force_login(member)
    save(client, "Calls", "q=call&sort=title&dir=asc")
    link = SavedView.objects.get().url
    assert link == "/tasks/?q=call&sort=title&dir=asc"
    opened = client.get(link).content.decode()
    same = client.get("/tasks/?" + urlencode({"q": "call", "sort": "title", "dir": "asc"}))
    assert row_keys(opened) == row_keys(same.content.decode())
    assert 'aria-sort="ascending" data-sort-key="title"' in opened


def test_the_start_page_opens_at_home_and_the_inbox_stays_a_link_away(client, member, other):
    client.force_login(member)
    assert client.get("/").status_code == 200  # no start page: the inbox
    save(client, "First", "q=a", start_page="1")
    save(client, "Second", "q=b")
    second = SavedView.objects.get(name="Second")
    home = client.get("/")
    assert (home.status_code, home["Location"]) == (302, "/tasks/?q=a")
    filter_page = client.get("/tasks/?q=a").content.decode()
    assert 'href="/?scope=mine"' in filter_page
    assert client.get("/?scope=mine").status_code == 200

    client.post(f"/tasks/views/{second.pk}/start/")
    assert list(SavedView.objects.filter(is_start_page=True).values_list("name", flat=True)) == [
        "Second"
    ]
    assert client.get("/")["Location"] == "/tasks/?q=b"

    client.force_login(other)
    assert client.get("/").status_code == 200  # another person's start page is theirs only
    client.post(f"/tasks/views/{second.pk}/start/")
    assert SavedView.objects.get(pk=second.pk).owner == member

    client.force_login(member)
    client.post("/tasks/views/0/start/")
    assert not SavedView.objects.filter(is_start_page=True).exists()
    assert client.get("/").status_code == 200
