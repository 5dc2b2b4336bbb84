"""Run one overdue scan now, for every active site or one, and plan its reminders.

manage.py scan_overdue                 # scan, plan, enqueue the sends (a worker sends them)
manage.py scan_overdue --site Riyadh   # one site (by name or id)
manage.py scan_overdue --dry-run       # print who would get what; write and send nothing
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from portal import clock
from portal.notifications.models import SiteScan, step_label
from portal.notifications.services.runs import scan_dry_run, scan_run_inline, scan_run_start
from portal.sites.models import Site


class Command(BaseCommand):
    help = "Scan sites for overdue tasks now and plan reminders (or only show them: --dry-run)."

    def add_arguments(self, parser):
        parser.add_argument("--site", help="one site, by name or id (default: every active site)")
        parser.add_argument(
            "--dry-run", action="store_true", help="print who would get what; change nothing"
        )

    def handle(self, *args, site=None, dry_run=False, **options):
        sites = Site.objects.filter(is_active=True)
        if site:
            query = Q(name__iexact=site) | (Q(pk=int(site)) if site.isdigit() else Q())
            sites = sites.filter(query)
            if not sites.exists():
                raise CommandError(f"No active site named {site!r}.")
        sites = list(sites)
        now = clock.now()
        if dry_run:
            fetched, planned = scan_dry_run(sites=sites, now=now)
            for one in fetched:
                if one.ok:
                    overdue = sum(1 for _, kind in one.found.values() if kind == "overdue")
                    late = len(one.found) - overdue
                    self.stdout.write(
                        f"{one.site.name}: {overdue} overdue, {late} late ({one.requests} requests)"
                    )
                else:
                    self.stdout.write(f"{one.site.name}: FAILED: {one.error}")
            self._print_plan(planned)
            self.stdout.write(f"dry run: {len(planned)} deliveries would be planned; none written")
            return
        run = scan_run_start(trigger="command", site_ids=[s.pk for s in sites], now=now)
        planned = scan_run_inline(run=run)
        for scan in SiteScan.objects.filter(run=run).select_related("site"):
            detail = scan.error or (
                f"{scan.overdue_count} overdue, {scan.late_count} late ({scan.requests} requests)"
            )
            self.stdout.write(f"{scan.site.name}: {scan.status}: {detail}")
        self._print_plan(planned)
        self.stdout.write(f"run {run.pk}: {len(planned)} deliveries planned")

    def _print_plan(self, planned) -> None:
        for one in planned:
            recipient = one.recipient
            who = recipient.address or f"channel {recipient.channel.name}"
            held = f" (held until {one.send_after:%Y-%m-%d %H:%M} UTC)" if one.held_reason else ""
            self.stdout.write(
                f"{who} via {recipient.channel.name} [{one.rule.name}, {one.shape}]{held}:"
            )
            for item in one.items:
                step = step_label(item.step)
                task = item.task
                self.stdout.write(
                    f"  - {task.site.name} #{task.task_id} {task.title[:60]!r} {task.bucket} "
                    f"since {task.became_at:%Y-%m-%d %H:%M} UTC: {step}"
                )
