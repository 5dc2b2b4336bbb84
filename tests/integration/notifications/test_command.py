"""`manage.py scan_overdue`: one scan now, for every site or one; --dry-run prints who would get
what and writes nothing."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from portal.notifications.models import Delivery, ScanRun, WatchedTask
from portal.notifications.services import ledger
from tests.integration.notifications.conftest import T0, make_rule

pytestmark = pytest.mark.django_db
SALES1 = "sales1@riyadh.test"


def run(*args) -> str:
    out = StringIO()
    call_command("scan_overdue", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_prints_who_would_get_what_and_changes_nothing(tasks, sites, email_channel):
    make_rule()
    task_id = tasks.add("riyadh", title="Call the buyer", due=T0 - timedelta(days=1),
                        assignees=[SALES1])  # fmt: skip
    output = run("--dry-run")
    assert "Riyadh: 1 overdue, 0 late" in output
    assert f"{SALES1} via Email [Overdue, digest]:" in output
    assert f"Riyadh #{task_id} 'Call the buyer' overdue since 2026-11-22 09:00 UTC: first" in output
    assert "1 deliveries would be planned; none written" in output
    assert not Delivery.objects.exists() and not WatchedTask.objects.exists()
    assert not ScanRun.objects.exists()


def test_a_real_run_plans_for_one_site_by_name(tasks, sites, email_channel, monkeypatch):
    monkeypatch.setattr(ledger, "deliveries_enqueue", lambda *, delivery_ids: None)
    make_rule()
    tasks.add("riyadh", title="in riyadh", due=T0 - timedelta(days=1), assignees=[SALES1])
    tasks.add("cairo", title="in cairo", due=T0 - timedelta(days=1), assignees=[SALES1])
    output = run("--site", "riyadh")
    assert "Riyadh: ok: 1 overdue, 0 late" in output and "Cairo" not in output
    assert "1 deliveries planned" in output
    assert Delivery.objects.get().items.get().site == sites["riyadh"]
    assert "0 deliveries planned" in run("--site", "riyadh")  # nothing new the second time


def test_an_unknown_site_is_an_error(db):
    with pytest.raises(CommandError, match="No active site named 'nowhere'"):
        run("--site", "nowhere")
