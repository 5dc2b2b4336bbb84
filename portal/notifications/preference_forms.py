"""The person's choice of channels per kind of reminder, on "My reminders"."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.notifications.services.preferences import FAMILY_LABELS, KINDS


class ChannelChoiceForm(forms.Form):
    """One row of tick boxes per kind; only the families this portal can use are offered."""

    def __init__(self, *args, families: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(family, FAMILY_LABELS[family]) for family in families]
        for kind, label in KINDS:
            self.fields[kind] = forms.MultipleChoiceField(
                label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
            )


class PersonalAppriseForm(forms.Form):
    url = forms.CharField(
        label=_("Your Apprise URL"),
        max_length=2000,
        widget=forms.PasswordInput,
        help_text=_("For example ntfys://ntfy.sh/your-topic or tgram://bot-token/your-chat-id."),
    )
