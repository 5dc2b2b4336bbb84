"""A reminder's step (first, repeat n, escalation, before due) in the reader's language. The
ledger keeps steps as numbers and English labels; messages and pages show these words."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.notifications.models import before_due_minutes, is_before_due, step_label


def before_due_text(minutes: int) -> str:
    """Whole phrases, so each language can shape the number with its words (Arabic: بيوم
    واحد، بيومين، بـ 3 أيام)."""
    if minutes % 1440 == 0:
        n = minutes // 1440
        text = ngettext(
            "reminder %(n)s day before the due time", "reminder %(n)s days before the due time", n
        )
    elif minutes % 60 == 0:
        n = minutes // 60
        text = ngettext(
            "reminder %(n)s hour before the due time",
            "reminder %(n)s hours before the due time",
            n,
        )
    else:
        n = minutes
        text = ngettext(
            "reminder %(n)s minute before the due time",
            "reminder %(n)s minutes before the due time",
            n,
        )
    return text % {"n": n}


def step_text(step: int) -> str:
    if is_before_due(step):
        return before_due_text(before_due_minutes(step))
    label = step_label(step)
    if label == "first":
        return _("first reminder")
    if label == "escalation":
        return _("escalation")
    if label == "escalation 2":
        return _("further escalation")
    return _("repeat %(n)s") % {"n": step}
