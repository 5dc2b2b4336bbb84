"""Ledger words in the reader's language: the ledger stores them in English (they are also
keys the admin filters on), the pages translate them when shown."""

import re

from django import template
from django.utils.translation import ngettext

from portal.notifications.steps import step_text

register = template.Library()

_TASKS = re.compile(r"^(\d+) tasks$")
_REPEAT = re.compile(r"^repeat (\d+)$")


@register.filter
def delivery_summary(summary: str) -> str:
    """ "3 tasks", "first", "repeat 2", "escalation" as the reader reads them."""
    text = summary or ""
    if found := _TASKS.match(text):
        n = int(found.group(1))
        return ngettext("%(n)s task", "%(n)s tasks", n) % {"n": n}
    if text == "first":
        return step_text(0)
    if text == "escalation":
        return step_text(-1)
    if found := _REPEAT.match(text):
        return step_text(int(found.group(1)))
    return text


@register.filter
def step_words(step: int) -> str:
    return step_text(step)
