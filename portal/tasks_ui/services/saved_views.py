"""Saving, deleting and choosing a start page among a person's saved views.

A view keeps only the filter page's own parameters (filters and sort), in the order given;
anything else in a query string (a page number, a one-off probe, a stranger's parameters) is
dropped, and the whole is bounded, so a saved link is the page as the person saw it.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from portal.tasks_ui.models import SavedView

VIEW_PARAMS = (
    "q",
    "date_from",
    "date_to",
    "due_from",
    "due_to",
    "assignee",
    "bucket",
    "age",
    "priority",
    "status",
    "site",
    "sort",
    "dir",
)
MAX_QUERY = 2000
MAX_NAME = 100


class ViewRefused(ValueError):
    """A view that cannot be saved, with the reason in the person's words."""


def view_query(raw: str) -> str:
    """The filter page's parameters of ``raw`` (a query string), others dropped."""
    given = QueryDict(raw[: MAX_QUERY * 2])
    kept = QueryDict(mutable=True)
    for name in VIEW_PARAMS:
        values = [v[:200] for v in given.getlist(name) if v.strip()][:50]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def saved_view_save(*, owner: User, name: str, query: str, start_page: bool = False) -> SavedView:
    """Saves the view under ``name``; a view of that name is replaced (the person saved the
    same name again: they mean the new filters)."""
    name = " ".join(name.split())
    if not name:
        raise ViewRefused(_("Give the view a name."))
    if len(name) > MAX_NAME:
        raise ViewRefused(_("A view's name can have at most 100 characters."))
    cleaned = view_query(query)
    if len(cleaned) > MAX_QUERY:
        raise ViewRefused(_("These filters are too long to save. Choose fewer of them."))
    with transaction.atomic():
        if start_page:
            SavedView.objects.filter(owner=owner, is_start_page=True).exclude(name=name).update(
                is_start_page=False
            )
        try:
            view, _new = SavedView.objects.update_or_create(
                owner=owner,
                name=name,
                defaults={"query": cleaned, "is_start_page": start_page},
            )
        except IntegrityError as error:  # a parallel save of the same name
            raise ViewRefused(_("That view was just saved elsewhere. Try again.")) from error
    return view


def saved_view_delete(*, owner: User, view_id: int) -> bool:
    deleted, _kinds = SavedView.objects.filter(owner=owner, pk=view_id).delete()
    return bool(deleted)


def saved_view_start_page(*, owner: User, view_id: int | None) -> SavedView | None:
    """Makes the view the person's start page (``None``: the inbox again)."""
    with transaction.atomic():
        SavedView.objects.filter(owner=owner, is_start_page=True).update(is_start_page=False)
        if view_id is None:
            return None
        view = SavedView.objects.filter(owner=owner, pk=view_id).first()
        if view is None:
            return None
        view.is_start_page = True
        view.save(update_fields=["is_start_page"])
        return view
