"""The reader's time zone, active for the whole request (``portal.sites.reading``): every
time a template prints, Django's own ``|date`` included, is then on the reader's clock."""

from __future__ import annotations

from django.utils import timezone

from portal.sites.reading import reader_zone


class ReaderTimeZoneMiddleware:
    """After the authentication middleware: the zone is the signed-in person's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.activate(reader_zone(getattr(request, "user", None)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
