"""A reminder's step (first, repeat n, escalation, before due) in the reader's language. The
ledger keeps steps as numbers and English labels; messages and pages show these words."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.notifications.models import before_due_minutes, is_before_due, step_label


def lead_text(minutes: int) -> str:
    """How long before the due time, in whole days, hours or minutes."""
    if minutes % 1440 == 0:
        n = minutes // 1440
        return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}
    if minutes % 60 == 0:
        n = minutes // 60
        return ngettext("%(n)s hour", "%(n)s hours", n) % {"n": n}
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


def step_text(step: int) -> str:
    if is_before_due(step):
        return _("reminder %(lead)s before the due time") % {
            "lead": lead_text(before_due_minutes(step))
        }
    label = step_label(step)
    if label == "first":
        return _("first reminder")
    if label == "escalation":
        return _("escalation")
    if label == "escalation 2":
        return _("further escalation")
    return _("repeat %(n)s") % {"n": step}
