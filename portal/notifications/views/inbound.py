"""Endpoints other systems call: Frappe's webhooks and Slack's interactivity. Both are CSRF-exempt
(they come from servers) and authenticated by a signature over the raw body."""

import json
import logging
import secrets
from urllib.parse import parse_qs

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from slack_sdk.signature import SignatureVerifier

from portal import clock
from portal.notifications import tokens
from portal.notifications.channels import TransportError
from portal.notifications.channels.slack import respond
from portal.notifications.models import Channel
from portal.notifications.services.actions import task_act
from portal.notifications.services.inbound import inbound_receive
from portal.sites.audit import audit_record
from portal.sites.backends.errors import SiteError
from portal.sites.models import Site
from portal.sites.services.clients import (
    NotConnected,
    backend_class_label,
    backend_for_service,
    site_features,
)
from portal.sites.views.guards import admin_required

log = logging.getLogger(__name__)


def _read_bounded(request, limit: int) -> bytes | None:
    """The raw body, or None when it is larger than ``limit`` (declared or actual)."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


@csrf_exempt
def site_webhook(request, site_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    site = Site.objects.filter(pk=site_id, is_active=True).first()
    if site is None:
        return JsonResponse({"error": "unknown site"}, status=404)
    raw = _read_bounded(request, settings.NOTIFY_INBOUND_MAX_BYTES)
    if raw is None:
        return JsonResponse({"error": "body too large"}, status=413)
    # The body is JSON whatever the Content-Type says (Frappe's "Form URL-Encoded" structure
    # sends JSON without one): only the raw bytes are read, never request.POST.
    result = inbound_receive(site=site, raw_body=raw, headers=request.headers)
    return JsonResponse({"ok": result.status == 200, "message": result.message},
                        status=result.status)  # fmt: skip


class _PortalClock:
    """slack_sdk's verifier asks a clock for the time; ours is the portal's."""

    def now(self) -> float:
        return clock.now().timestamp()


@csrf_exempt
def slack_actions(request, channel_id):
    """Slack's interactivity request URL for one Slack channel (one Slack app): Done and Snooze
    and Acknowledge buttons. Verified with the app's signing secret
    (https://docs.slack.dev/authentication/verifying-requests-from-slack)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    channel = Channel.objects.filter(pk=channel_id, kind=Channel.Kind.SLACK).first()
    secret = (channel.config or {}).get("signing_secret") if channel else None
    if not secret:
        return HttpResponse(status=404)
    raw = _read_bounded(request, settings.NOTIFY_INBOUND_MAX_BYTES)
    if raw is None:
        return HttpResponse(status=413)
    verifier = SignatureVerifier(secret, clock=_PortalClock())
    if not verifier.is_valid_request(raw, dict(request.headers)):
        return HttpResponse(status=403)
    try:
        payload = json.loads(parse_qs(raw.decode("utf-8")).get("payload", ["{}"])[0])
    except (UnicodeDecodeError, ValueError):
        return HttpResponse(status=400)
    actions = payload.get("actions") or []
    action = actions[0] if actions and isinstance(actions[0], dict) else {}
    if action.get("action_id") not in tokens.ACTIONS:
        return HttpResponse(status=200)  # "Open" link buttons also notify us: nothing to do
    user = payload.get("user") or {}
    actor = f"slack user {user.get('id', '?')} ({user.get('username') or user.get('name') or ''})"
    try:
        link = tokens.action_from_token(str(action.get("value") or ""))
    except (tokens.LinkInvalid, tokens.LinkExpired) as error:
        text = str(error)
    else:
        name = str(user.get("username") or user.get("name") or user.get("id") or "?")[:200]
        text = task_act(link=link, actor=actor, source="slack", by=f"{name} (Slack)").message
    response_url = payload.get("response_url")
    if response_url:
        try:
            respond(response_url, text)
        except (TransportError, OSError) as exc:
            log.warning("could not answer Slack's response_url: %s", type(exc).__name__)
    return HttpResponse(status=200)


@admin_required
def webhook_setup(request, site_id):
    """Where a site admin points Frappe's Webhook, and the secret both sides share."""
    site = get_object_or_404(Site, pk=site_id)
    if not site_features(site).webhooks:
        # Such sites tell nobody of changes: scans see them (reminders stop within one scan).
        return render(request, "notifications/webhook_none.html",
                      {"site": site, "crm": backend_class_label(site)})  # fmt: skip
    if site_features(site).managed_webhooks:
        return _managed_webhooks(request, site)
    if request.method == "POST":
        secret = secrets.token_urlsafe(32)
        Site.objects.filter(pk=site.pk).update(webhook_secret=secret)
        audit_record(user=request.user, site=site, action="webhook_secret_set")
        messages.success(request, _("A new secret was generated. Copy it now: it is shown once."))
        return render(request, "notifications/webhook_setup.html",
                      {"site": site, "secret": secret, "url": _endpoint(site),
                       "has_secret": True})  # fmt: skip
    return render(request, "notifications/webhook_setup.html",
                  {"site": site, "secret": None, "url": _endpoint(site),
                   "has_secret": bool(site.webhook_secret)})  # fmt: skip


def _endpoint(site: Site) -> str:
    return settings.PORTAL_BASE_URL + reverse("notifications:site_webhook", args=[site.pk])


def _managed_webhooks(request, site: Site):
    """Sites whose webhooks the portal makes itself (EspoCRM): one per event, pointed at the
    portal, their secrets kept by the portal; the page shows what the site holds."""
    url, error, hooks = _endpoint(site), "", None
    try:
        backend = backend_for_service(site)
        if request.method == "POST":
            secret = backend.webhooks_install(url)
            Site.objects.filter(pk=site.pk).update(webhook_secret=secret)
            audit_record(user=request.user, site=site, action="webhook_secret_set")
            messages.success(request, _("The site's webhooks to the portal are in place."))
        hooks = [h for h in backend.webhooks_state() if h["url"] == url]
    except NotConnected as exc:
        error = str(exc)
    except SiteError as exc:
        error = exc.message
    site.refresh_from_db(fields=["webhook_secret", "last_webhook_at"])
    context = {
        "site": site,
        "url": url,
        "hooks": hooks,
        "error": error,
        "crm": backend_class_label(site),
        "has_secret": bool(site.webhook_secret),
    }
    return render(request, "notifications/webhook_managed.html", context,
                  status=502 if error and request.method == "POST" else 200)  # fmt: skip
