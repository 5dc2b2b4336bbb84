"""`manage.py healthcheck [URL] [--strict]`: exit 0 when /healthz answers 200.

Used by docker-compose health checks (the image has no curl) and handy on any host. The exit
status needs only the public answer; with HEALTHZ_TOKEN set (or --token) the command sends it
and prints the detail of a failure (which check failed).
"""

import json
import sys
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Probe the portal's /healthz; exit status 0 when healthy."

    def add_arguments(self, parser):
        parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000/healthz")
        parser.add_argument("--strict", action="store_true", help="a stale heartbeat fails too")
        parser.add_argument(
            "--token", default=None, help="bearer token for the detail (default: HEALTHZ_TOKEN)"
        )

    def handle(self, *args, url, strict, token, **options):
        if not url.startswith(("http://", "https://")):
            raise CommandError(f"{url}: expected an http:// or https:// URL")
        if strict:
            url += ("&" if "?" in url else "?") + "strict=1"
        token = token or settings.HEALTHZ_TOKEN
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (scheme checked)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                healthy = response.status == 200
        except urllib.error.HTTPError as error:
            self.stderr.write(f"unhealthy: HTTP {error.code} {_failed_checks(error.read())}")
            sys.exit(1)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            self.stderr.write(f"unhealthy: {error}")
            sys.exit(1)
        if not healthy:
            sys.exit(1)
        self.stdout.write("healthy")


def _failed_checks(body: bytes) -> str:
    """Which checks failed, from the detail when the answer has it."""
    try:
        report = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(report, dict):
        return ""
    failed = [
        name for name, check in report.items() if isinstance(check, dict) and not check.get("ok")
    ]
    return ("failing: " + ", ".join(failed)) if failed else str(report.get("status", ""))
