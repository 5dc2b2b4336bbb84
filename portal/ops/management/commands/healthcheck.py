"""`manage.py healthcheck [URL] [--strict]`: exit 0 when /healthz answers 200.

Used by docker-compose health checks (the image has no curl) and handy on any host.
"""

import sys
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Probe the portal's /healthz; exit status 0 when healthy."

    def add_arguments(self, parser):
        parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000/healthz")
        parser.add_argument("--strict", action="store_true", help="a stale heartbeat fails too")

    def handle(self, *args, url, strict, **options):
        if strict:
            url += ("&" if "?" in url else "?") + "strict=1"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (fixed scheme)
                healthy = response.status == 200
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            self.stderr.write(f"unhealthy: {error}")
            sys.exit(1)
        if not healthy:
            sys.exit(1)
        self.stdout.write("healthy")
