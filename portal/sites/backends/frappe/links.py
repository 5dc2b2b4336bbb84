"""Links to a site's own pages (people follow these from the portal and from reminders)."""

from __future__ import annotations

from urllib.parse import quote


def task_url(base_url: str, task_id: str) -> str:
    """The task's form in the site's desk (route of the ``CRM Task`` doctype)."""
    return f"{base_url.rstrip('/')}/app/crm-task/{quote(str(task_id), safe='')}"
