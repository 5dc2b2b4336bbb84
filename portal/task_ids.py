"""Task ids as the portal carries them: strings, whatever the CRM (Frappe numbers its tasks,
Django-CRM and EspoCRM use UUIDs or hex ids). One shape for URLs, forms and stored rows."""

from __future__ import annotations

import re

MAX_TASK_ID = 64
PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
_TASK_ID = re.compile(rf"^{PATTERN}$")


def task_id_valid(value: object) -> bool:
    return isinstance(value, str) and bool(_TASK_ID.match(value)) and value.isascii()


class TaskIdConverter:
    """``<task:task_id>`` in URL patterns."""

    regex = PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)
