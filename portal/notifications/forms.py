from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from portal.notifications.channels.apprise_transport import (
    AppriseURLError,
    display_url,
    service_for,
)
from portal.notifications.models import Channel, Rule
from portal.notifications.models.rules import leads_text
from portal.sites.models import Site
from portal.typed_lists import typed_list

WEEKDAYS = [
    ("0", _("Monday")), ("1", _("Tuesday")), ("2", _("Wednesday")), ("3", _("Thursday")),
    ("4", _("Friday")), ("5", _("Saturday")), ("6", _("Sunday")),
]  # fmt: skip


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value}) from None
    return value


LEAD_UNITS = {"d": 1440, "h": 60, "m": 1}
MAX_LEAD_MINUTES = 30 * 1440


def leads_parse(text: str) -> list[int]:
    """ "1d, 1h, 30m" (or minutes alone) → minutes ahead of the due time, largest first."""
    found: set[int] = set()
    for part in typed_list(text):
        value = part.strip().lower().replace(" ", "")
        unit = value[-1:] if value[-1:] in LEAD_UNITS else "m"
        number = value[:-1] if value[-1:] in LEAD_UNITS else value
        if not number.isdigit() or int(number) == 0:
            raise ValidationError(
                _("“%(part)s” is not a time before the due time (say 1d, 1h or 30m)."),
                params={"part": part},
            )
        minutes = int(number) * LEAD_UNITS[unit]
        if minutes > MAX_LEAD_MINUTES:
            raise ValidationError(_("At most 30 days before the due time."))
        found.add(minutes)
    return sorted(found, reverse=True)


class RuleForm(forms.ModelForm):
    priorities_text = forms.CharField(
        label=_("Priorities (comma-separated, empty: all)"), required=False
    )
    task_types_text = forms.CharField(
        label=_("Task types (comma-separated, empty: all)"), required=False
    )
    fixed_addresses_text = forms.CharField(
        label=_("Also email these addresses (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    before_due_text = forms.CharField(
        label=_("Remind before the due time (e.g. 1d, 1h; empty: never)"),
        required=False,
        max_length=100,
        help_text=_(
            "Each goes at most once per task and due time, outside the recipient's quiet hours."
        ),
    )
    working_days = forms.MultipleChoiceField(
        label=_("Working days (none ticked: every day)"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Rule
        fields = [
            "name", "enabled", "sites", "buckets", "assignees", "team_leads",
            "person_channel", "broadcast_channels", "unassigned_to", "unassigned_address",
            "unassigned_channel", "first_after_minutes", "repeat_every_hours", "max_repeats",
            "escalate_after_hours", "escalate_next_after_hours", "escalate_next_address",
            "escalate_next_channel", "quiet_start", "quiet_end", "time_zone", "language", "shape",
        ]  # fmt: skip
        widgets = {
            "sites": forms.CheckboxSelectMultiple,
            "broadcast_channels": forms.CheckboxSelectMultiple,
            "quiet_start": forms.TimeInput(attrs={"type": "time"}),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}),
        }
        labels = {
            "sites": _("Sites (none ticked: every active site)"),
            "person_channel": _("Reach people by (empty: email)"),
            "broadcast_channels": _("Also post every task to these Slack channels and webhooks"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = Site.objects.all()
        people = [c.pk for c in Channel.objects.all() if c.reaches_people]
        self.fields["person_channel"].queryset = Channel.objects.filter(pk__in=people)
        self.fields["broadcast_channels"].queryset = Channel.objects.exclude(
            kind__in=[Channel.Kind.EMAIL, Channel.Kind.PORTAL]
        ).filter(owner=None)  # a person's own Apprise URL is theirs alone
        self.fields["escalate_next_after_hours"].required = False  # empty: no further level
        for name in ("unassigned_channel", "escalate_next_channel"):
            self.fields[name].queryset = Channel.objects.exclude(
                kind__in=[Channel.Kind.EMAIL, Channel.Kind.PORTAL]
            ).filter(owner=None)
        if self.instance.pk:
            self.initial["priorities_text"] = ", ".join(self.instance.priorities)
            self.initial["task_types_text"] = ", ".join(self.instance.task_types)
            self.initial["fixed_addresses_text"] = "\n".join(self.instance.fixed_addresses)
            self.initial["working_days"] = [str(d) for d in self.instance.working_days]
            self.initial["before_due_text"] = leads_text(self.instance.before_due)

    def clean_time_zone(self):
        return _zone(self.cleaned_data["time_zone"])

    def clean_fixed_addresses_text(self):
        addresses = typed_list(self.cleaned_data["fixed_addresses_text"])
        for address in addresses:
            validate_email(address)
        return [a.lower() for a in addresses]

    def clean_escalate_next_after_hours(self):
        return self.cleaned_data.get("escalate_next_after_hours") or 0

    def clean_before_due_text(self):
        return leads_parse(self.cleaned_data["before_due_text"])

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None):
            raise ValidationError(_("Give both ends of the quiet hours, or neither."))
        to = data.get("unassigned_to")
        if to == Rule.Unassigned.PERSON and not data.get("unassigned_address"):
            self.add_error("unassigned_address", _("Name the person who receives them."))
        if to == Rule.Unassigned.CHANNEL and not data.get("unassigned_channel"):
            self.add_error("unassigned_channel", _("Choose the channel that receives them."))
        further = data.get("escalate_next_address") or data.get("escalate_next_channel")
        if data.get("escalate_next_after_hours") and not further:
            self.add_error(
                "escalate_next_address", _("Name a person or choose a channel to escalate to.")
            )
        if data.get("buckets") == Rule.Buckets.SOON and not data.get("before_due_text"):
            self.add_error("before_due_text", _("Say how long before the due time to remind."))
        return data

    def save(self, commit=True):
        rule = super().save(commit=False)
        rule.priorities = typed_list(self.cleaned_data["priorities_text"])
        rule.task_types = typed_list(self.cleaned_data["task_types_text"])
        rule.fixed_addresses = self.cleaned_data["fixed_addresses_text"]
        rule.working_days = sorted(int(d) for d in self.cleaned_data["working_days"])
        rule.before_due_minutes = self.cleaned_data["before_due_text"]
        if commit:
            rule.save()
            self.save_m2m()
        return rule


# Form field → key in Channel.config.
CONFIG_KEYS = {
    "slack_token": "token",
    "slack_signing_secret": "signing_secret",
    "slack_url": "url",
    "webhook_secret": "secret",
    "webhook_url": "url",
}
SECRET_FIELDS = tuple(CONFIG_KEYS)


def apprise_problem(exc: AppriseURLError) -> str:
    if exc.code == "missing":
        return _("An Apprise channel needs its URL.")
    if exc.code == "not_http":
        return _(
            "%(service)s does not send over HTTP, so the portal could not tell a refusal from a "
            "lost answer: use an HTTP service, or the Email channel for email."
        ) % {"service": exc.service}
    return _(
        "Apprise does not understand this URL (scheme %(scheme)s): check it against Apprise's "
        "documentation."
    ) % {"scheme": exc.service or "-"}


class ChannelForm(forms.ModelForm):
    """Secrets are write-only: left blank, the stored value stays."""

    from_email = forms.EmailField(label=_("From address (empty: the default)"), required=False)
    slack_mode = forms.ChoiceField(
        label=_("Slack via"),
        required=False,
        choices=[("webhook", _("an incoming webhook")), ("bot", _("a bot token"))],
    )
    slack_url = forms.URLField(
        label=_("Incoming webhook URL"),
        required=False,
        widget=forms.PasswordInput,
        assume_scheme="https",
    )
    slack_token = forms.CharField(
        label=_("Bot token (xoxb-...)"), required=False, widget=forms.PasswordInput
    )
    slack_channel = forms.CharField(
        label=_("Channel to post to (#name or ID), for a bot"), required=False
    )
    slack_signing_secret = forms.CharField(
        label=_("Signing secret (for the Done and Snooze buttons)"),
        required=False,
        widget=forms.PasswordInput,
    )
    webhook_url = forms.URLField(label=_("Receiver URL"), required=False, assume_scheme="https")
    webhook_secret = forms.CharField(
        label=_("Signing secret"), required=False, widget=forms.PasswordInput
    )
    # Not a URLField: Apprise URLs have their own schemes (tgram://, msteams://, ntfys://...).
    apprise_url = forms.CharField(
        label=_("Apprise URL"),
        required=False,
        max_length=2000,
        widget=forms.PasswordInput,
        help_text=_("For example ntfys://ntfy.example.com/topic or tgram://bot-token/chat-id."),
    )

    class Meta:
        model = Channel
        fields = ["name", "kind", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        config = self.instance.config or {}
        self.initial.setdefault("from_email", config.get("from_email", ""))
        self.initial.setdefault("slack_mode", config.get("mode", "webhook"))
        self.initial.setdefault("slack_channel", config.get("channel", ""))
        if self.instance.kind == Channel.Kind.WEBHOOK:
            # The webhook URL is not secret the way Slack's is (no credential in it).
            self.initial.setdefault("webhook_url", config.get("url", ""))
        if self.instance.kind == Channel.Kind.APPRISE and config.get("url"):
            shown = display_url(config["url"])
            self.fields["apprise_url"].help_text = _("Set (%(url)s). Leave blank to keep it.") % {
                "url": shown
            }
        for name in SECRET_FIELDS:
            key = self._config_key(name)
            if config.get(key) and name != "webhook_url":
                self.fields[name].help_text = _("Set. Leave blank to keep it.")

    @staticmethod
    def _config_key(name: str) -> str:
        return CONFIG_KEYS[name]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        config = dict(self.instance.config or {}) if self.instance.kind == kind else {}
        if kind == Channel.Kind.EMAIL:
            config = {"from_email": data.get("from_email") or ""}
        elif kind == Channel.Kind.SLACK:
            config["mode"] = data.get("slack_mode") or "webhook"
            config["channel"] = (data.get("slack_channel") or "").strip()
            for name in ("slack_url", "slack_token", "slack_signing_secret"):
                if data.get(name):
                    config[self._config_key(name)] = data[name].strip()
            if config["mode"] == "webhook" and not config.get("url"):
                self.add_error("slack_url", _("An incoming webhook needs its URL."))
            if config["mode"] == "bot" and not config.get("token"):
                self.add_error("slack_token", _("A bot needs its token."))
        elif kind == Channel.Kind.WEBHOOK:
            if data.get("webhook_url"):
                config["url"] = data["webhook_url"].strip()
            if data.get("webhook_secret"):
                config["secret"] = data["webhook_secret"].strip()
            if not config.get("url"):
                self.add_error("webhook_url", _("A webhook needs the receiver's URL."))
        elif kind == Channel.Kind.APPRISE:
            config = {"url": config.get("url", "")}
            if data.get("apprise_url"):
                config["url"] = data["apprise_url"].strip()
            try:
                service_for(config["url"])
            except AppriseURLError as exc:
                # Names the scheme or the service at most, never the URL (it holds credentials).
                self.add_error("apprise_url", apprise_problem(exc))
        elif kind == Channel.Kind.PORTAL:
            config = {}
        self.instance.config = config
        return data


class MyRemindersForm(forms.Form):
    """A person's own reminder settings (views/me.py); their address is set by admins."""

    time_zone = forms.CharField(
        label=_("Your time zone"),
        max_length=64,
        help_text=_("Quiet hours and working days are kept in it, e.g. Asia/Riyadh."),
    )
    wanted = forms.BooleanField(label=_("Send me reminders"), required=False)

    def clean_time_zone(self) -> str:
        return _zone(self.cleaned_data["time_zone"].strip())
