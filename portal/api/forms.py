"""The form that makes a personal access token."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.api.models import ApiToken
from portal.sites.models import Site

EXPIRY_CHOICES = [
    ("30", _("in 30 days")),
    ("90", _("in 90 days")),
    ("365", _("in a year")),
    ("", _("never")),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “weekly export script”."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )
    expires = forms.ChoiceField(
        label=_("Expires"), choices=EXPIRY_CHOICES, initial="90", required=False
    )
    sites = forms.TypedMultipleChoiceField(
        label=_("Only these sites"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every site you may see."),
    )

    def __init__(self, *args, sites: list[Site], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sites"].choices = [(site.pk, site.name) for site in sites]

    def expires_at(self) -> datetime | None:
        days = self.cleaned_data.get("expires")
        if not days:
            return None
        # The end of that day, so "in 30 days" means the whole 30th day.
        day = (clock.now() + timedelta(days=int(days))).date()
        return timezone.make_aware(datetime.combine(day, time.max))
