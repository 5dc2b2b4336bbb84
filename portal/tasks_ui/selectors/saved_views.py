"""A person's saved views of the filter page, and their start page if they chose one."""

from __future__ import annotations

from django.contrib.auth.models import User

from portal.tasks_ui.models import SavedView


def saved_view_list_for_user(*, user: User) -> list[SavedView]:
    return list(SavedView.objects.filter(owner=user).order_by("name", "pk")[:200])


def start_page_for_user(*, user: User) -> SavedView | None:
    return SavedView.objects.filter(owner=user, is_start_page=True).first()
