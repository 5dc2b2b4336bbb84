"""The weekly digest: each team lead gets the key figures of their sites and teams, the worst
overdue tasks and a link to the report, in their own language."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal import clock
from portal.reports.models import DigestSent
from portal.reports.services.figures import Filters, report_build
from portal.sites.access import profile_for, site_list_for_user
from portal.sites.models import Profile


def digest_recipients() -> list[User]:
    """Active team leads (by role, or by leading a team) with an email address."""
    return list(
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(profile__role=Profile.Role.LEAD) | Q(led_teams__isnull=False))
        .distinct()
        .order_by("pk")
    )


def digest_send(*, user: User, days: int | None = None) -> bool:
    """Sends one lead's digest for the period ending today; False if already sent."""
    days = days or settings.REPORT_DIGEST_DAYS
    until = clock.now().date()
    since = until - timedelta(days=days - 1)
    try:
        with transaction.atomic():
            DigestSent.objects.create(user=user, period_end=until, sent_at=clock.now())
            _send(user=user, since=since, until=until)
    except IntegrityError:
        return False
    return True


def _send(*, user: User, since, until) -> None:
    sites = list(site_list_for_user(user=user))
    report = report_build(Filters(sites=sites, since=since, until=until))
    link = (
        settings.PORTAL_BASE_URL
        + reverse("reports:report")
        + "?"
        + urlencode({"since": since, "until": until})
    )
    language = profile_for(user).language
    with translation.override(language):
        context = {
            "user": user, "report": report, "link": link, "base_url": settings.PORTAL_BASE_URL,
            "rtl": translation.get_language_bidi(), "language": language,
        }  # fmt: skip
        subject = render_to_string("reports/digest_subject.txt", context).strip()
        text = render_to_string("reports/digest.txt", context)
        html = render_to_string("reports/digest.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()


def digest_send_all() -> int:
    return sum(digest_send(user=user) for user in digest_recipients())
