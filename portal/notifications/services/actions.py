"""Acting from a reminder: Done and Snooze (one day) written back to the site with its service
credential and audited; Acknowledge (nothing written to the site: ``acknowledge``);
unsubscribing; and stopping reminders for a finished task."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from portal import clock
from portal.live.events import task_changed
from portal.notifications.models import Channel, OptOut, TaskTransition, WatchedTask
from portal.notifications.services.acknowledge import task_acknowledge
from portal.notifications.services.ledger import deliveries_obsolete_for_task
from portal.notifications.tokens import ActionLink
from portal.sites.audit import audit_record
from portal.sites.backends.base import TaskBackend, TaskChanges
from portal.sites.backends.errors import InputRefused, SiteError
from portal.sites.backends.types import Vocabulary
from portal.sites.buckets import portal_status, site_status
from portal.sites.models import ServiceCredential, Site
from portal.sites.services import clients
from portal.sites.services.cache import site_cache_bump
from portal.sites.write_outcome import WriteNotApplied, write_checked

log = logging.getLogger(__name__)
SNOOZE = timedelta(days=1)


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str


def _credential_label(site: Site) -> str:
    credential = ServiceCredential.objects.filter(site=site).first()
    if credential is None:
        return "service credential"
    if credential.kind == ServiceCredential.Kind.API_KEY:
        return f"service API key {credential.api_key}"
    return "service connection"


def _who(recipient: str) -> str:
    """A link's recipient in words: an address, or the channel a message went to by name."""
    if recipient.startswith("channel:") and recipient[8:].isdigit():
        channel = Channel.objects.filter(pk=int(recipient[8:])).first()
        return channel.name if channel else recipient
    return recipient


def task_finished(*, site: Site, task_id: str, status: str, source: str) -> TaskTransition:
    """Records a status the portal observed; a finished task stops being reminded at once."""
    with transaction.atomic():
        transition = TaskTransition.objects.create(
            site=site,
            task_id=task_id,
            status=status[:60],
            portal_status=portal_status(status),
            at=clock.now(),
            source=source,
        )
        if transition.portal_status in ("done", "cancelled"):
            # Kept closed (not deleted) so a scan that read the site before now cannot revive it.
            WatchedTask.objects.filter(site=site, task_id=task_id).update(closed_seq=transition.pk)
            deliveries_obsolete_for_task(site_id=site.pk, task_id=task_id)
    return transition


def task_act(
    *, link: ActionLink, actor: str, source: str = "link", by: str = ""
) -> ActionResult:  # fmt: skip
    """Done, Snooze or Acknowledge, as the link says, on the link's site and task. ``by`` names
    who acknowledges in messages (the link's recipient unless given)."""
    site = Site.objects.filter(pk=link.site_id, is_active=True).first()
    if site is None:
        return ActionResult(False, _("This site is no longer in the portal."))
    if link.action == "ack":
        acked = task_acknowledge(
            site=site, task_id=link.task_id, by=by or _who(link.recipient) or actor, source=source
        )
        return ActionResult(acked.ok, acked.message)
    credential = _credential_label(site)
    try:
        backend = clients.backend_for_service(site)
        vocabulary = backend.vocabulary()
        if link.action == "done":
            status = site_status("done", vocabulary)
            task = backend.set_status(link.task_id, status)
            changes = {"status": status}
        else:
            task, changes = _snooze(backend, link.task_id, vocabulary)
        # A 200 is not a success by itself: the answer must show the change.
        write_checked(
            backend=backend,
            asked=TaskChanges.from_fields(changes),
            answer=task,
            site_name=site.name,
        )
    except WriteNotApplied as refused:
        answered = {d.field: d.answered for d in refused.differences}
        audit_record(
            user=None, site=site, action=f"reminder_{link.action}", task_id=link.task_id,
            changes={"by": actor, "site answered": answered}, credential=credential, ok=False,
            error=refused.audit_text,
        )  # fmt: skip
        site_cache_bump(site.pk)
        return ActionResult(False, refused.message)
    except (SiteError, clients.NotConnected, ValueError) as exc:
        message = getattr(exc, "message", None) or str(exc)
        audit_record(
            user=None, site=site, action=f"reminder_{link.action}", task_id=link.task_id,
            changes={"by": actor}, credential=credential, ok=False, error=message,
        )  # fmt: skip
        if isinstance(exc, SiteError) and not isinstance(exc, InputRefused):
            clients.site_failed(site, exc)
        return ActionResult(False, message)
    audit_record(
        user=None, site=site, action=f"reminder_{link.action}", task_id=link.task_id,
        changes={**changes, "by": actor}, credential=credential,
    )  # fmt: skip
    site_cache_bump(site.pk)
    task_changed(site.pk, link.task_id)
    if link.action == "done":
        task_finished(site=site, task_id=link.task_id, status=task.status or changes["status"],
                      source=TaskTransition.Source.ACTION)  # fmt: skip
        return ActionResult(True, _("Marked done on %(site)s.") % {"site": site.name})
    # A new due date is a new episode: the next scan stops reminding until it passes again.
    WatchedTask.objects.filter(site=site, task_id=link.task_id).delete()
    deliveries_obsolete_for_task(site_id=site.pk, task_id=link.task_id)
    return ActionResult(True, _("Snoozed for one day on %(site)s.") % {"site": site.name})


def _snooze(backend: TaskBackend, task_id: str, vocabulary: Vocabulary):
    """Due date one day from now (site time). A task the site itself marks overdue (Frappe's
    ``late``) keeps that status on save [243]: it goes back to an open status."""
    current = backend.get(task_id)
    if not current.is_open:
        raise InputRefused(_("This task is already finished."))
    due = (clock.now() + SNOOZE).astimezone(backend.zone).replace(microsecond=0)
    changes: dict[str, str] = {"due_date": due.strftime("%Y-%m-%d %H:%M:%S")}
    if current.site_says_overdue:
        changes["status"] = site_status("open", vocabulary)
    # Naive times are site-local, as the site itself stores dates.
    task = backend.edit(task_id, TaskChanges.from_fields(changes))
    return task, changes


def address_unsubscribe(*, address: str, source: str = "link") -> bool:
    """Returns True when this call added the opt-out."""
    _, created = OptOut.objects.get_or_create(
        address=address.lower()[:254], defaults={"source": source, "created_at": clock.now()}
    )
    return created
