from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from portal import clock

PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30


def form_defaults() -> dict[str, str]:
    """The report's filters when the URL gives none: the last DEFAULT_DAYS days."""
    today = clock.now().date()
    return {"since": str(today - timedelta(days=DEFAULT_DAYS - 1)), "until": str(today)}


class ReportFilterForm(forms.Form):
    """GET parameters: the URL carries the report's filters (shareable, back button)."""

    site = forms.TypedMultipleChoiceField(
        label=_("Sites"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    assignee = forms.CharField(label=_("Person (site user id)"), required=False, max_length=140)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput({"type": "date"})
    )

    def __init__(self, *args, sites, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(site.pk, site.name) for site in sites]
        self.fields["team"].choices = [("", _("All teams"))] + [(t.pk, t.name) for t in teams]

    def clean(self):
        data = super().clean()
        today = clock.now().date()
        data["until"] = data.get("until") or today
        data["since"] = data.get("since") or data["until"] - timedelta(days=DEFAULT_DAYS - 1)
        if data["since"] > data["until"]:
            self.add_error("until", _("The end day is before the start day."))
        elif (data["until"] - data["since"]).days > 366:
            self.add_error("since", _("Choose a period of at most a year."))
        return data
