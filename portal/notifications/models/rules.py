from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Rule(models.Model):
    """Who is reminded of which overdue or late tasks, when, and in what shape."""

    class Buckets(models.TextChoices):
        OVERDUE = "overdue", _("overdue")
        LATE = "late", _("late (started before today, not overdue)")
        BOTH = "both", _("overdue and late")
        SOON = "soon", _("none: only the reminders before the due time")

    class Unassigned(models.TextChoices):
        NOBODY = "", _("nobody")
        PERSON = "person", _("the person named below")
        TEAM_LEAD = "team_lead", _("the team leads of the site")
        CHANNEL = "channel", _("the channel chosen below")

    class Shape(models.TextChoices):
        DIGEST = "digest", _("one digest per recipient per run")
        TASK = "task", _("one message per task")

    name = models.CharField(_("name"), max_length=100, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    # Scope: empty means every active site, priority, task type.
    sites = models.ManyToManyField("sites.Site", blank=True, related_name="reminder_rules")
    priorities = models.JSONField(default=list, blank=True)
    task_types = models.JSONField(default=list, blank=True)
    buckets = models.CharField(
        _("which tasks"), max_length=10, choices=Buckets.choices, default=Buckets.OVERDUE
    )

    # Recipients.
    assignees = models.BooleanField(_("the assignees"), default=True)
    team_leads = models.BooleanField(_("the team lead of each assignee"), default=False)
    # How people (assignees, leads, fixed addresses) are reached: email when empty, or a Slack
    # bot that finds each person by email.
    person_channel = models.ForeignKey(
        "notifications.Channel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    fixed_addresses = models.JSONField(default=list, blank=True)
    # Tasks without an assignee reach nobody through ``assignees``: who receives them instead.
    unassigned_to = models.CharField(
        _("tasks without an assignee go to"),
        max_length=10,
        choices=Unassigned.choices,
        default=Unassigned.NOBODY,
        blank=True,
    )
    unassigned_address = models.EmailField(_("person for tasks without an assignee"), blank=True)
    unassigned_channel = models.ForeignKey(
        "notifications.Channel",
        verbose_name=_("channel for tasks without an assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Slack channels and webhooks that receive every task in scope.
    broadcast_channels = models.ManyToManyField(
        "notifications.Channel", blank=True, related_name="broadcast_rules"
    )

    # Timing.
    first_after_minutes = models.PositiveIntegerField(
        _("first reminder after (minutes)"), default=0
    )
    repeat_every_hours = models.PositiveIntegerField(
        _("repeat every (hours, 0: never)"), default=24
    )
    max_repeats = models.PositiveIntegerField(_("at most this many repeats"), default=3)
    escalate_after_hours = models.PositiveIntegerField(
        _("escalate to the team lead after (hours, 0: never)"), default=0
    )
    # The last level of escalation: a named person or a channel, this many hours after the
    # team lead's level (after ``escalate_after_hours`` from the start when that is 0).
    escalate_next_after_hours = models.PositiveIntegerField(
        _("then escalate further after (more hours, 0: never)"), default=0
    )
    escalate_next_address = models.EmailField(_("further escalation to this person"), blank=True)
    escalate_next_channel = models.ForeignKey(
        "notifications.Channel",
        verbose_name=_("further escalation to this channel"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Reminders before the due time, minutes ahead of it: [1440, 60] is a day and an hour.
    before_due_minutes = models.JSONField(default=list, blank=True)
    quiet_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    # ISO weekdays are awkward in forms: 0 = Monday ... 6 = Sunday, as datetime.weekday().
    working_days = models.JSONField(default=list, blank=True)
    # For recipients whose zone and language the portal does not know (fixed addresses,
    # channels): quiet hours are judged in this zone and messages written in this language.
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )

    shape = models.CharField(
        _("messages"), max_length=10, choices=Shape.choices, default=Shape.DIGEST
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, bucket: str) -> bool:
        if bucket not in ("overdue", "late"):
            return False
        return self.buckets == self.Buckets.BOTH or self.buckets == bucket

    @property
    def before_due(self) -> list[int]:
        """Minutes ahead of the due time, largest first, valid values only."""
        found = {int(m) for m in self.before_due_minutes or [] if str(m).isdigit() and int(m) > 0}
        return sorted(found, reverse=True)

    @property
    def before_due_text(self) -> str:
        return leads_text(self.before_due)


def leads_text(minutes: list[int]) -> str:
    """Minutes ahead of the due time as a form writes them: "1d, 1h, 30m"."""
    parts = []
    for m in sorted(minutes, reverse=True):
        if m % 1440 == 0:
            parts.append(f"{m // 1440}d")
        elif m % 60 == 0:
            parts.append(f"{m // 60}h")
        else:
            parts.append(f"{m}m")
    return ", ".join(parts)


class OptOut(models.Model):
    """An address that asked for no more reminders: through a message's unsubscribe link
    (RFC 8058 one-click included), or set by an admin for a person."""

    address = models.CharField(max_length=254, unique=True)  # lower-cased email
    source = models.CharField(max_length=20, default="link")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address
