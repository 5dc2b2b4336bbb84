from zoneinfo import available_timezones

from django import forms
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _

from portal.sites.models import Connection, Profile, ServiceCredential, Site, SiteUser, Team

ZONES = sorted(available_timezones())


class SiteForm(forms.ModelForm):
    base_url = forms.URLField(
        label=_("base URL"),
        assume_scheme="https",
        help_text=_("The address the site opens at, e.g. https://crm.example.com"),
    )

    service_api_key = forms.CharField(
        label=_("API key for scheduled jobs"),
        required=False,
        max_length=140,
        help_text=_(
            "Optional: a site user's API key (with a CRM role) lets reminders scan the site and "
            "lets the doctor read its task options now. EspoCRM sites: the API key of an API "
            "user whose role reads and edits tasks; its secret key too if it uses HMAC."
        ),
    )
    service_api_secret = forms.CharField(
        label=_("API secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
    )

    service_token = forms.CharField(
        label=_("Personal access token for scheduled jobs"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Django-CRM sites: a token (bcrm_pat_…) with the scopes tasks:read and tasks:write, "
            "made by a site user who sees every task (an organisation admin)."
        ),
    )

    class Meta:
        model = Site
        fields = [
            "name", "backend", "base_url", "organisation", "client_id", "client_secret",
            "time_zone", "tags",
        ]  # fmt: skip
        widgets = {"client_secret": forms.PasswordInput(render_value=False)}
        help_texts = {
            "client_secret": _("Optional: Frappe does not check it. Leave empty to keep."),
            "client_id": _("Frappe CRM sites: the OAuth Client the portal signs people in with."),
            "organisation": _(
                "Django-CRM sites: the organisation's id (one address can hold several)."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Sites registered before there were other CRMs, and forms that do not say, are Frappe.
        self.fields["backend"].required = False

    def clean_backend(self):
        return self.cleaned_data.get("backend") or Site.Backend.FRAPPE

    def clean_base_url(self):
        url = self.cleaned_data["base_url"].strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise forms.ValidationError(_("Start the address with https://"))
        return url

    def clean(self):
        data = super().clean()
        backend = data.get("backend") or Site.Backend.FRAPPE
        if backend == Site.Backend.FRAPPE and not (data.get("client_id") or "").strip():
            self.add_error("client_id", _("A Frappe CRM site needs its OAuth client ID."))
        if backend == Site.Backend.DJANGOCRM and not (data.get("organisation") or "").strip():
            self.add_error("organisation", _("A Django-CRM site needs its organisation's id."))
        # An EspoCRM API user may have a key alone (X-Api-Key); HMAC users have both.
        key_alone_allowed = backend == Site.Backend.ESPOCRM and data.get("service_api_key")
        if bool(data.get("service_api_key")) != bool(data.get("service_api_secret")):
            if not (self.instance.pk and data.get("service_api_key")) and not key_alone_allowed:
                self.add_error("service_api_secret", _("Enter both the API key and its secret."))
        return data

    def clean_time_zone(self):
        zone = self.cleaned_data["time_zone"].strip()
        if zone and zone not in ZONES:
            raise forms.ValidationError(_("Unknown time zone: use a name like Asia/Riyadh."))
        return zone

    def save(self, commit=True):
        site = super().save(commit=False)
        if not self.cleaned_data.get("client_secret") and self.instance.pk:
            site.client_secret = Site.objects.get(pk=self.instance.pk).client_secret
        if commit:
            site.save()
        return site


class ServiceCredentialForm(forms.Form):
    kind = forms.ChoiceField(choices=ServiceCredential.Kind.choices, label=_("Use"))
    api_key = forms.CharField(required=False, max_length=140, label=_("API key"))
    api_secret = forms.CharField(
        required=False,
        max_length=200,
        label=_("API secret"),
        widget=forms.PasswordInput(render_value=False),
    )
    connection = forms.ModelChoiceField(
        queryset=Connection.objects.none(), required=False, label=_("OAuth connection")
    )

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.fields["connection"].queryset = Connection.objects.filter(site=site).select_related(
            "user"
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") == ServiceCredential.Kind.API_KEY:
            has_secret = (
                data.get("api_secret")
                or ServiceCredential.objects.filter(
                    site=self.site, kind=ServiceCredential.Kind.API_KEY
                )
                .exclude(api_secret="")
                .exists()
            )
            if not data.get("api_key") or not has_secret:
                raise forms.ValidationError(_("Enter the API key and its secret."))
        elif data.get("kind") == ServiceCredential.Kind.TOKEN:
            has_token = (
                data.get("api_secret")
                or ServiceCredential.objects.filter(
                    site=self.site, kind=ServiceCredential.Kind.TOKEN
                )
                .exclude(api_secret="")
                .exists()
            )
            if not has_token:
                raise forms.ValidationError(_("Paste the personal access token."))
        elif data.get("kind") == ServiceCredential.Kind.CONNECTION and not data.get("connection"):
            raise forms.ValidationError(_("Choose the connection scheduled jobs should use."))
        return data


class UserAccessForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        help_text=_("Where this person's reminders, escalations and digests go."),
    )
    role = forms.ChoiceField(choices=Profile.Role.choices, label=_("Role"))
    language = forms.ChoiceField(
        choices=Profile._meta.get_field("language").choices, label=_("Language")
    )
    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Sites granted"),
    )
    groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Groups"),
    )
    is_active = forms.BooleanField(required=False, label=_("Active"))


class NewUserForm(forms.ModelForm):
    password = forms.CharField(widget=forms.PasswordInput, label=_("Password"))

    class Meta:
        model = User
        fields = ["username", "email", "first_name", "last_name"]

    def clean_password(self):
        from django.contrib.auth.password_validation import validate_password

        password = self.cleaned_data["password"]
        validate_password(password)
        return password


class GroupAccessForm(forms.Form):
    name = forms.CharField(max_length=150, label=_("Group"))
    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Sites granted"),
    )


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "lead", "members"]
        widgets = {"members": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = SiteUser.objects.select_related("site")
        self.fields["lead"].queryset = User.objects.filter(is_active=True)
