"""The header's search box: on every page, it lands on the filter page with the text, which
finds matching titles on every site."""

import re

import pytest

from .conftest import ZONES
from .helpers import all_tasks, form_data, row_keys

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_page_has_the_header_search_going_to_the_filter_page(client, member, three_sites):
    client.force_login(member)
    for path in ("/", "/tasks/", "/sites/"):
        html = client.get(path).content.decode()
        form = re.search(r'<form method="get" action="/tasks/" class="header-search"[^>]*>', html)
        assert form, path
        assert 'role="search"' in form.group(0)
        assert 'id="header-search" name="q"' in html
        assert '<label for="header-search"' in html


def test_a_header_search_finds_titles_on_every_site(client, member, three_sites, standin):
    for name in ZONES:
        standin.sites[name].control.insert_tasks([{"title": f"Renew the Zephyr lease {name}"}])
    client.force_login(member)
    data = form_data(client.get("/").content.decode(), "/tasks/")
    assert "q" in data
    html = client.get("/tasks/", {"q": "zephyr"}).content.decode()
    shown = row_keys(html)
    want = {
        (three_sites[name].pk, task.id)
        for name in ZONES
        for task in all_tasks(standin.sites[name], ZONES[name])
        if "zephyr" in task.title.casefold()
    }
    assert set(shown) == want
    assert len({site for site, _ in shown}) == 3
    # The box keeps the words searched for on the filter page.
    assert 'value="zephyr"' in html.split('id="header-search"')[1].split(">")[0]


def test_the_header_search_escapes_what_was_typed(client, member, three_sites):
    client.force_login(member)
    html = client.get("/tasks/", {"q": '"><script>x</script>'}).content.decode()
    assert "<script>x</script>" not in html


def test_a_search_finds_the_words_of_descriptions_but_not_their_markup(
    client, member, three_sites, standin
):
    riyadh, plain = standin.sites["riyadh"], standin.sites["plainsite"]
    [in_words] = riyadh.control.insert_tasks(
        [{"title": "Quarterly review", "description": "<p>Bring the <b>Quokka</b> figures</p>"}]
    )
    [in_markup] = riyadh.control.insert_tasks(
        [{"title": "Another review", "description": '<p class="quokka">Nothing here</p>'}]
    )
    [on_plain] = plain.control.insert_tasks(
        [{"title": "Plain site task", "description": "call the quokka keeper"}]
    )
    [by_title] = plain.control.insert_tasks([{"title": "Feed the quokka"}])
    client.force_login(member)

    shown = set(row_keys(client.get("/tasks/", {"q": "QUOKKA"}).content.decode()))

    assert (three_sites["riyadh"].pk, str(in_words)) in shown
    assert (three_sites["plainsite"].pk, str(on_plain)) in shown
    assert (three_sites["plainsite"].pk, str(by_title)) in shown
    assert (three_sites["riyadh"].pk, str(in_markup)) not in shown
    assert len(shown) == 3  # nothing else on the three sites mentions a quokka
