"""The portal's own database work for an inbox does not grow with the person's sites: what each
site's worker needs (connection, token, whether the site has a service key) is read once for the
page, so the workers ask only their sites."""

import threading

import pytest
from django.db.backends.utils import CursorWrapper

from portal.sites.models import ServiceCredential
from portal.tasks_ui.selectors.inbox import inbox_for_user

pytestmark = pytest.mark.django_db(transaction=True)


class _Queries:
    """Every SQL statement any thread runs (Django's own capture sees one thread only)."""

    def __init__(self, monkeypatch) -> None:
        self.by_thread: dict[str, list[str]] = {}
        lock = threading.Lock()
        original = CursorWrapper.execute

        def execute(cursor, sql, params=None):
            with lock:
                self.by_thread.setdefault(threading.current_thread().name, []).append(sql)
            return original(cursor, sql, params)

        monkeypatch.setattr(CursorWrapper, "execute", execute)

    def reset(self) -> None:
        self.by_thread.clear()

    def total(self) -> int:
        return sum(len(statements) for statements in self.by_thread.values())

    def off_main(self) -> list[str]:
        main = threading.main_thread().name
        return [sql for name, rows in self.by_thread.items() if name != main for sql in rows]


def test_the_inbox_reads_the_database_once_for_all_its_sites(
    member, three_sites, monkeypatch, settings
):
    settings.SITE_CACHE_SECONDS = 0  # every load asks the sites
    # Sites with a service key (their backend may learn names through it) and one without.
    assert ServiceCredential.objects.filter(site=three_sites["riyadh"]).exists()
    ServiceCredential.objects.filter(site=three_sites["cairo"]).delete()
    queries = _Queries(monkeypatch)
    inbox_for_user(user=member, scope="all", bucket_name="overdue")  # first use of each token

    queries.reset()
    three = inbox_for_user(user=member, scope="all", bucket_name="overdue")
    with_three = queries.total()
    assert three.site_count == 3 and not three.problems
    assert queries.off_main() == [], "a site's worker ran a query of its own"

    queries.reset()
    inbox_for_user(user=member, scope="all", bucket_name="overdue")
    assert queries.total() == with_three  # the same page again: the same statements

    # Fewer sites granted: the same number of statements (none is per site).
    from portal.sites.models import SiteGrant

    SiteGrant.objects.filter(user=member).exclude(site=three_sites["riyadh"]).delete()
    queries.reset()
    alone = inbox_for_user(user=member, scope="all", bucket_name="overdue")
    assert alone.site_count == 1
    assert queries.total() == with_three
