"""Ledger words in the reader's language: the ledger keeps steps as numbers and its own English
labels; the pages say them in the reader's language."""

from django import template
from django.utils.translation import ngettext

from portal.notifications.steps import step_text

register = template.Library()


@register.filter
def delivery_covers(delivery) -> str:
    """What a delivery of the log covers (``delivery_list`` annotates it): its one task's step,
    or how many tasks."""
    if delivery.covered == 1 and delivery.covered_step is not None:
        return step_text(delivery.covered_step)
    return ngettext("%(n)s task", "%(n)s tasks", delivery.covered) % {"n": delivery.covered}


@register.filter
def step_words(step: int) -> str:
    return step_text(step)
