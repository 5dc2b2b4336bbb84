"""The board (/tasks/board/): columns by portal status across sites, the filter page's filters,
a capped column linking to the rest, failing sites as cards, and moves that count only when
the site's answer shows them (a refusal leaves the card's status and says why)."""

import dataclasses
import re
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.sites.models import AuditEntry, Connection

from .conftest import ZONES
from .helpers import all_tasks

pytestmark = pytest.mark.django_db(transaction=True)

CARD = re.compile(
    r'<li id="card-(\d+)-([A-Za-z0-9_.-]+)" class="task-card[^"]*" data-status="(\w+)"'
)
COLUMN = re.compile(r'<section class="board-column" data-column="(\w+)" data-hidden="(\d+)"')
COUNT = re.compile(r'data-column="(\w+)".*?data-column-count>([^<]+)<', re.S)


def cards(html: str) -> list[tuple[int, str, str]]:
    """(site id, task id, status) of each card, in page order."""
    return [(int(s), t, status) for s, t, status in CARD.findall(html)]


def column_of(html: str) -> dict[tuple[int, str], str]:
    """The column each card is rendered in (not only its data-status)."""
    found = {}
    parts = re.split(r'(?=<section class="board-column")', html)
    for part in parts:
        head = COLUMN.search(part)
        if head:
            for site, task, _ in cards(part):
                found[(site, task)] = head.group(1)
    return found


def expected_by_status(three_sites, standin, keep=lambda name, task: True) -> Counter:
    counts: Counter = Counter()
    for name in three_sites:
        for task in all_tasks(standin.sites[name], ZONES[name]):
            if keep(name, task):
                counts[task.portal_status] += 1
    return counts


def test_the_board_has_a_column_per_status_with_every_sites_tasks_counted(
    client, member, three_sites, standin
):
    client.force_login(member)
    html = client.get("/tasks/board/").content.decode()
    assert [c for c, _ in COLUMN.findall(html)] == ["open", "in_progress", "done", "cancelled"]
    want = expected_by_status(three_sites, standin)
    counts = {status: int(n.replace(",", "")) for status, n in COUNT.findall(html)}
    assert counts == {s: want[s] for s in ("open", "in_progress", "done", "cancelled")}
    shown = cards(html)
    assert {site for site, _, _ in shown} == {site.pk for site in three_sites.values()}
    # Each card sits in the column of its status.
    placed = column_of(html)
    assert all(placed[(site, task)] == status for site, task, status in shown)


def test_a_column_is_capped_with_a_link_to_the_filter_page_for_its_status(
    client, member, three_sites, standin, settings
):
    settings.BOARD_COLUMN_CARDS = 5
    client.force_login(member)
    html = client.get(f"/tasks/board/?priority=High&site={three_sites['riyadh'].pk}").content
    html = html.decode()
    want = expected_by_status(
        {"riyadh": three_sites["riyadh"]}, standin, lambda _, t: t.priority == "High"
    )
    hidden = dict(COLUMN.findall(html))
    for status in ("open", "in_progress", "done", "cancelled"):
        shown = [c for c in cards(html) if c[2] == status]
        assert len(shown) == min(5, want[status])
        assert int(hidden[status]) == want[status] - len(shown)
    assert want["open"] > 5  # the stand-in holds enough for a "more" link
    more = re.search(r'<p class="board-more"><a href="([^"]+)">([^<]+)</a>', html)
    assert more.group(2) == f"{want['open'] - 5} more on the filter page"
    link = more.group(1).replace("&amp;", "&")
    assert link.startswith("/tasks/?") and "status=open" in link and "priority=High" in link
    assert f"site={three_sites['riyadh'].pk}" in link


def test_filters_narrow_the_board_as_they_narrow_the_filter_page(
    client, member, three_sites, standin
):
    client.force_login(member)
    cairo = three_sites["cairo"]
    html = client.get(f"/tasks/board/?status=done&status=open&site={cairo.pk}").content.decode()
    assert [c for c, _ in COLUMN.findall(html)] == ["open", "done"]
    shown = cards(html)
    assert shown and {site for site, _, _ in shown} == {cairo.pk}
    assert {status for _, _, status in shown} <= {"open", "done"}
    # "Assigned to me": the scope tab sets the assignee filter, other filters kept.
    html = client.get("/tasks/board/?assignee=me&priority=High").content.decode()
    for site, task, _ in cards(html):
        name = next(n for n, s in three_sites.items() if s.pk == site)
        found = next(t for t in all_tasks(standin.sites[name], ZONES[name]) if t.id == task)
        me = Connection.objects.get(user=member, site_id=site).site_user_id
        assert found.priority == "High" and found.is_assigned_to(me)
    assert re.search(r'href="/tasks/board/\?[^"]*assignee=me[^"]*" aria-current="page"', html)
    # Filters the form refuses show why, and no board.
    html = client.get("/tasks/board/?date_from=2031-03-10&date_to=2031-03-01").content.decode()
    assert "The end day is before the start day." in html and not cards(html)


def test_a_card_reads_as_the_tasks_row_does(client, member, three_sites, standin):
    handle = standin.sites["riyadh"]
    [task_id] = handle.control.insert_tasks(
        [{"title": "<b>Board</b> call " + "very long words " * 10, "status": "Todo",
          "priority": "High", "due_date": "2031-05-04 10:00:00",
          "assignees": ["sales1@riyadh.test"]}]
    )  # fmt: skip
    client.force_login(member)
    site = three_sites["riyadh"]
    html = client.get(f"/tasks/board/?q=call+very+long&site={site.pk}").content.decode()
    card = re.search(rf'<li id="card-{site.pk}-{task_id}".*?</li>', html, re.S).group(0)
    assert "<b>Board</b>" not in card and "&lt;b&gt;Board&lt;/b&gt;" in card
    assert 'data-status="open"' in card and "data-movable" in card
    assert "<bdi>Riyadh</bdi>" in card and 'class="prio prio-high"' in card
    # On the reader's clock (UTC here), the site's own on hover.
    assert (
        '<time datetime="2031-05-04T07:00:00+00:00" '
        'title="Site time: May 4, 2031, 10 a.m., Asia/Riyadh">' in card
    )
    table = client.get(f"/tasks/?q=call+very+long&site={site.pk}").content.decode()
    person = re.search(r'<td class="col-people"[^>]*>(.*?)</td>', table, re.S).group(1)
    assert person in card  # the same name, the same markup
    assert f'action="/tasks/{site.pk}/{task_id}/status/"' in card
    assert re.search(r'<option value="open" selected>Open</option>', card)


def status_post(client, site, task_id, status):
    return client.post(
        f"/tasks/{site.pk}/{task_id}/status/",
        {"status": status, "next": "/tasks/board/"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"card-{site.pk}-{task_id}",
    )


def test_a_move_answers_with_the_card_as_the_site_saved_it(client, member, three_sites, standin):
    site = three_sites["cairo"]
    [task_id] = standin.sites["cairo"].control.insert_tasks(
        [{"title": "Move me", "status": "Open"}]
    )
    client.force_login(member)
    response = status_post(client, site, task_id, "done")
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="card-{site.pk}-{task_id}" class="task-card finished"')
    assert 'data-status="done"' in html
    assert "announce" in response["HX-Trigger"]
    assert standin.sites["cairo"].control.task(task_id)["status"] == "Completed"
    page = client.get("/tasks/board/?q=Move+me").content.decode()
    assert column_of(page)[(site.pk, str(task_id))] == "done"


def test_a_move_the_site_refuses_leaves_the_status_and_says_why(
    client, member, three_sites, standin, frozen_now
):
    """Riyadh's CRM keeps an overdue task late unless it is marked done, answering 200."""
    site = three_sites["riyadh"]
    local = frozen_now.astimezone(ZoneInfo("Asia/Riyadh"))
    [task_id] = standin.sites["riyadh"].control.insert_tasks(
        [{"title": "Stuck late", "status": "late", "priority": "High",
          "due_date": (local - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")}]
    )  # fmt: skip
    client.force_login(member)
    response = status_post(client, site, task_id, "in_progress")
    html = response.content.decode()
    assert response["HX-Retarget"] == "#alerts"  # the page's alert area (role="alert")
    assert "kept this task late" in html and "is now" not in html
    assert standin.sites["riyadh"].control.task(task_id)["status"] == "late"
    assert not AuditEntry.objects.get(task_id=str(task_id), action="task_status").ok
    page = client.get("/tasks/board/?q=Stuck+late").content.decode()
    assert column_of(page)[(site.pk, str(task_id))] == "open"


def test_a_site_error_on_a_move_offers_to_try_again_on_the_card(
    client, member, three_sites, standin
):
    site = three_sites["cairo"]
    [task_id] = standin.sites["cairo"].control.insert_tasks([{"title": "Flaky", "status": "Open"}])
    standin.sites["cairo"].control.set_faults(
        [{"kind": "error", "status": 500, "methods": ["PUT", "POST"]}]
    )
    client.force_login(member)
    html = status_post(client, site, task_id, "done").content.decode()
    assert "Cairo answered" in html
    assert f'hx-target="#card-{site.pk}-{task_id}"' in html  # "Try again" retries the card
    standin.sites["cairo"].control.set_faults([])
    assert standin.sites["cairo"].control.task(task_id)["status"] == "Open"


def test_a_status_the_site_cannot_set_is_refused_before_sending(
    client, member, three_sites, standin, monkeypatch
):
    site = three_sites["plainsite"]
    [task_id] = standin.sites["plainsite"].control.insert_tasks(
        [{"title": "No cancel", "status": "Todo"}]
    )
    from portal.sites.backends.frappe.backend import FrappeBackend

    vocabulary = FrappeBackend.vocabulary

    def without_cancel(self):
        words = vocabulary(self)
        kept = tuple(s for s in words.statuses if "cancel" not in s.lower())
        return dataclasses.replace(words, statuses=kept)

    monkeypatch.setattr(FrappeBackend, "vocabulary", without_cancel)
    client.force_login(member)
    html = status_post(client, site, task_id, "cancelled").content.decode()
    assert "Plainsite has no status meaning “Cancelled”." in html
    assert standin.sites["plainsite"].control.task(task_id)["status"] == "Todo"


def test_a_read_only_account_moves_nothing_and_its_cards_say_so(
    client, member, portal_site, grant, site_login, standin, frozen_now
):
    site = portal_site("riyadh", time_zone="Asia/Riyadh")
    grant(member, site)
    connection = site_login(member, site, "norole")
    [task_id] = standin.sites["riyadh"].control.insert_tasks(
        [{"title": "Not mine to move", "status": "Todo", "assignees": ["norole@riyadh.test"]}]
    )
    client.force_login(member)
    html = status_post(client, site, task_id, "done").content.decode()
    assert "Riyadh refused the change: User norole@riyadh.test does not have" in html
    assert standin.sites["riyadh"].control.task(task_id)["status"] == "Todo"
    connection.refresh_from_db()
    assert connection.can_write is False
    page = client.get("/tasks/board/?q=Not+mine").content.decode()
    card = re.search(rf'<li id="card-{site.pk}-{task_id}".*?</li>', page, re.S).group(0)
    assert "data-movable" not in card and "<form" not in card and "Read only" in card
    assert Connection.objects.get(pk=connection.pk).can_write is False


def test_a_failing_site_is_a_card_beside_the_working_ones(
    client, member, three_sites, standin, settings
):
    settings.INBOX_SITE_TIMEOUT = 4.0
    standin.sites["cairo"].control.set_faults([{"kind": "error", "status": 500}])
    client.force_login(member)
    html = client.get("/tasks/board/").content.decode()
    assert 'class="card error" data-site="Cairo"' in html
    assert "Cairo answered: Injected fault: HTTP 500" in html
    assert {site for site, _, _ in cards(html)} == {
        three_sites["riyadh"].pk, three_sites["plainsite"].pk
    }  # fmt: skip


def test_the_board_without_javascript_moves_and_comes_back(client, member, three_sites, standin):
    site = three_sites["cairo"]
    [task_id] = standin.sites["cairo"].control.insert_tasks(
        [{"title": "Plain post", "status": "Open"}]
    )
    client.force_login(member)
    response = client.post(
        f"/tasks/{site.pk}/{task_id}/status/", {"status": "in_progress", "next": "/tasks/board/"}
    )
    assert response.status_code == 302 and response["Location"] == "/tasks/board/"
    page = client.get("/tasks/board/?q=Plain+post").content.decode()
    assert column_of(page)[(site.pk, str(task_id))] == "in_progress"


def test_the_board_in_arabic_translates_its_words(client, member, three_sites, standin):
    client.force_login(member)
    client.cookies["django_language"] = "ar"
    html = client.get("/tasks/board/").content.decode()
    assert 'dir="rtl"' in html
    for english in ("Move to", "Drag a card", "Assigned to me", "Show as a list", "more on the"):
        assert english not in html


def test_a_move_the_site_never_answers_is_not_taken_and_can_be_tried_again(
    client, member, three_sites, standin, settings
):
    settings.SITE_READ_TIMEOUT = 1.0
    settings.INBOX_SITE_TIMEOUT = 4.0
    site = three_sites["cairo"]
    [task_id] = standin.sites["cairo"].control.insert_tasks([{"title": "Slow", "status": "Open"}])
    standin.sites["cairo"].control.set_faults(
        [{"kind": "timeout", "seconds": 10, "methods": ["PUT", "POST"]}]
    )
    client.force_login(member)
    response = status_post(client, site, task_id, "done")
    html = response.content.decode()
    assert response["HX-Retarget"] == "#alerts" and "is now" not in html
    assert "Cairo could not be reached" in html and f'hx-target="#card-{site.pk}-{task_id}"' in html
    standin.sites["cairo"].control.set_faults([])
    assert AuditEntry.objects.filter(task_id=str(task_id), action="task_status", ok=False).exists()


def test_filtering_in_place_also_changes_the_links_that_carry_the_filters(
    client, member, three_sites
):
    client.force_login(member)
    answer = client.get(
        "/tasks/board/?priority=High&assignee=me",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="board-results",
    ).content.decode()
    assert answer.lstrip().startswith('<section id="board-results">')
    link = re.search(r'<a id="board-as-list" href="([^"]+)" hx-swap-oob="true">', answer)
    assert link and link.group(1).replace("&amp;", "&") == "/tasks/?priority=High&assignee=me"
    scopes = answer.split('<nav id="board-scopes"')[1].split("</nav>")[0]
    assert 'hx-swap-oob="true"' in scopes
    assert re.search(r'href="/tasks/board/\?priority=High&amp;assignee=me" aria-current', scopes)
    # The whole page carries them too, without out-of-band marks.
    page = client.get("/tasks/board/?priority=High").content.decode()
    assert '<a id="board-as-list" href="/tasks/?priority=High">' in page
    assert "hx-swap-oob" not in page
