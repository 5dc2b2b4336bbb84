from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """A portal user's role, language and time zone."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("admin")  # sites, users, rules
        LEAD = "lead", _("team lead")  # tasks and reports of granted sites and teams
        MEMBER = "member", _("member")  # tasks of granted sites

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    time_zone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class SiteGrant(models.Model):
    """Who may see a site's tasks: one user, or every member of a group."""

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True
    )
    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(group__isnull=True))
                | (Q(user__isnull=True) & Q(group__isnull=False)),
                name="grant_to_user_or_group",
            ),
            models.UniqueConstraint(fields=["site", "user"], name="one_grant_per_site_user"),
            models.UniqueConstraint(fields=["site", "group"], name="one_grant_per_site_group"),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.group} → {self.site}"


class SiteUser(models.Model):
    """A user of a Frappe site the portal has seen (assignee, connection): for assignment
    pickers, teams, and mapping an assignee to an email for reminders."""

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="site_users")
    user_id = models.CharField(max_length=140)
    email = models.EmailField(blank=True)
    full_name = models.CharField(max_length=140, blank=True)
    language = models.CharField(max_length=8, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["full_name", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "user_id"], name="one_site_user_per_id")
        ]

    def __str__(self) -> str:
        return self.full_name or self.user_id


class Team(models.Model):
    """A named set of site users with a lead (a portal user) who gets escalations and reports."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        SiteUser, verbose_name=_("members"), related_name="teams", blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
