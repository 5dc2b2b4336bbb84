"""A reminder's step (first, repeat n, escalation) in the reader's language. The ledger keeps
steps as numbers and English labels; messages and pages show these words."""

from django.utils.translation import gettext as _

from portal.notifications.models import step_label


def step_text(step: int) -> str:
    label = step_label(step)
    if label == "first":
        return _("first reminder")
    if label == "escalation":
        return _("escalation")
    return _("repeat %(n)s") % {"n": step}
