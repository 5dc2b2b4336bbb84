"""`manage.py snapshot_sites [--site NAME]`: take report snapshots now."""

from django.core.management.base import BaseCommand, CommandError

from portal.reports.models import Snapshot
from portal.reports.services.snapshot import snapshot_take
from portal.sites.models import Site


class Command(BaseCommand):
    help = "Take report snapshots of every active site (or one) now."

    def add_arguments(self, parser):
        parser.add_argument("--site", help="the site's name")

    def handle(self, *args, site=None, **options):
        sites = Site.objects.filter(is_active=True, service_credential__isnull=False)
        if site:
            sites = sites.filter(name=site)
            if not sites:
                raise CommandError(f"No active site named {site!r} with a service credential.")
        for each in sites:
            snapshot = snapshot_take(site=each, trigger=Snapshot.Trigger.ON_DEMAND)
            if snapshot.ok:
                self.stdout.write(
                    f"{each.name}: {snapshot.open_total} open, {snapshot.overdue_total} overdue "
                    f"{snapshot.aging}"
                )
            else:
                self.stderr.write(f"{each.name}: failed: {snapshot.error}")
