"""The filter form as the pages that read it build it: the filter page, the board, the calendar."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict

from portal.sites.access import site_list_for_user
from portal.sites.models import Site
from portal.tasks_ui.forms import FilterForm, priorities_of
from portal.tasks_ui.selectors.search import Criteria


def filter_form(request: HttpRequest, data: QueryDict | None) -> tuple[list[Site], FilterForm]:
    """The person's sites (by name) and the form over ``data`` (None: unbound), whose choices
    are those sites and the priorities they have."""
    sites = list(site_list_for_user(user=request.user).order_by("name"))
    priorities = priorities_of([site.vocabulary for site in sites])
    return sites, FilterForm(data, sites=sites, priorities=priorities)


def criteria_of(form: FilterForm) -> Criteria | None:
    """What the form asks for: no filters at all is every task; None when the form refused
    its input (it says why)."""
    if not form.is_bound:
        return Criteria()
    if form.is_valid():
        return Criteria.from_filters(form.cleaned_data)
    return None
