"""Forms of the task pages. Choices come from each site's own vocabulary (never hard-coded:
option values are case-sensitive on writes [016-022]); dates are entered in the site's zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.sites.backends.base import Features
from portal.sites.backends.types import Task, Vocabulary
from portal.sites.buckets import portal_status
from portal.sites.models import Site, SiteUser
from portal.sites.services.clients import refused_on_save, site_features
from portal.tasks_ui.labels import STATUS_LABELS, site_word
from portal.tasks_ui.selectors.rows import PRIORITY_RANK
from portal.typed_lists import typed_list

PORTAL_STATUSES = list(STATUS_LABELS.items())
_LOCAL = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?$")
_SNAPSHOT_SALT = "tasks_ui.task-form"
_TEXT_FIELDS = ("title", "description", "status", "priority", "task_type")
_DATE_FIELDS = ("start_date", "due_date")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class LocalDateTimeField(forms.CharField):
    """A date and time on the site's clock, as ``<input type="datetime-local">`` sends it. Kept
    naive on purpose: the site stores naive site-local times, and the client sends it as is."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "60"})

    def to_python(self, value: Any) -> str:
        text = super().to_python(value).strip()
        if not text:
            return ""
        match = _LOCAL.match(text)
        if not match:
            raise forms.ValidationError(_("Enter a date and time, like 2026-11-23 17:00."))
        try:
            datetime.fromisoformat(f"{match.group(1)} {match.group(2)}")
        except ValueError:
            raise forms.ValidationError(_("This date does not exist.")) from None
        return f"{match.group(1)}T{match.group(2)}"


class LocalDayField(LocalDateTimeField):
    """A due date on a site whose due dates are days: ``<input type="date">``, held in the
    same shape as a date and time (the day at 00:00), which the backend sends as the day."""

    widget = DateInput()

    def to_python(self, value: Any) -> str:
        text = forms.CharField.to_python(self, value).strip()
        if not text:
            return ""
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]) or len(text) not in (10, 16, 19):
            raise forms.ValidationError(_("Enter a date, like 2026-11-23."))
        try:
            datetime.fromisoformat(text[:10])
        except ValueError:
            raise forms.ValidationError(_("This date does not exist.")) from None
        return f"{text[:10]}T00:00"


class OnePersonField(forms.ChoiceField):
    """One assignee, for sites that take one person per task; a list like the many-people
    field, so the rest of the form reads it the same way."""

    def clean(self, value: Any) -> list[str]:
        chosen = super().clean(value)
        return [chosen] if chosen else []


def local_value(value: datetime | None) -> str:
    """A task datetime (aware, in the site's zone) as the form shows it."""
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


def site_value(value: str) -> str | None:
    """A form datetime as the site takes it (naive, site-local); None clears the field."""
    return value.replace("T", " ") + ":00" if value else None


# --- the filter page ---------------------------------------------------------------------------


class FilterForm(forms.Form):
    """GET parameters of the filter page: the URL carries every filter, so it can be shared,
    bookmarked and reached again with the back button."""

    q = forms.CharField(label=_("Title or description contains"), required=False, max_length=100)
    date_from = forms.DateField(label=_("Starts from"), required=False, widget=DateInput())
    date_to = forms.DateField(
        label=_("Starts until (the whole day)"), required=False, widget=DateInput()
    )
    due_from = forms.DateField(label=_("Due from"), required=False, widget=DateInput())
    due_to = forms.DateField(
        label=_("Due until (the whole day)"), required=False, widget=DateInput()
    )
    priority = forms.MultipleChoiceField(
        label=_("Priority"), required=False, widget=forms.CheckboxSelectMultiple
    )
    status = forms.MultipleChoiceField(
        label=_("Status"),
        required=False,
        choices=PORTAL_STATUSES,
        widget=forms.CheckboxSelectMultiple,
    )
    site = forms.TypedMultipleChoiceField(
        label=_("Sites"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    bucket = forms.ChoiceField(
        label=_("Bucket"),
        required=False,
        choices=[
            ("", _("any")),
            ("overdue", _("overdue")),
            ("late", _("late")),
            ("today", _("today")),
            ("upcoming", _("upcoming")),
        ],  # fmt: skip
    )
    age = forms.ChoiceField(
        label=_("Days overdue"),
        required=False,
        choices=[("", _("any")), ("1-3", "1–3"), ("4-7", "4–7"), ("8+", "8+")],
    )
    assignee = forms.CharField(
        label=_("Assigned to"),
        required=False,
        max_length=140,
        help_text=_("“me”, “none” (nobody assigned), or a site user id or email."),
    )

    def __init__(self, *args: Any, sites: list[Site], priorities: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(site.pk, site.name) for site in sites]
        self.fields["priority"].choices = [(p, _option_label(p)) for p in priorities]
        self.fields["assignee"].widget.attrs["list"] = "assignee-options"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", _("The end day is before the start day."))
        first, last = data.get("due_from"), data.get("due_to")
        if first and last and first > last:
            self.add_error("due_to", _("The end day is before the start day."))
        return data


def priorities_of(vocabularies: list[dict]) -> list[str]:
    """High, Medium, Low, then any priority a site added, in that order."""
    found = {"High", "Medium", "Low"}
    for vocabulary in vocabularies:
        found.update(vocabulary.get("priorities") or ())
    return sorted(found, key=lambda p: (PRIORITY_RANK.get(p.lower(), 3), p))


# --- create and edit -----------------------------------------------------------------------


def _choices(values: tuple[str, ...], current: str | None = None) -> list[tuple[str, str]]:
    options = list(values)
    if current and current not in options:
        options.insert(0, current)  # a value the vocabulary lacks stays selectable
    return [(value, _option_label(value)) for value in options]


def _option_label(value: str) -> str:
    """The site's word in the reader's language, the site's own word beside it (an option
    cannot show a title on hover)."""
    word = site_word(value)
    return word if word == value else f"{word} (\u2068{value}\u2069)"


class TaskForm(forms.Form):
    """Create or edit a task on one site, with that site's own task types, priorities and
    statuses. On edit, ``snapshot`` (signed) holds the values the form was loaded with and the
    task's ``modified``: only fields that differ are sent, and an edit on an outdated copy is
    refused by the site check (``EditConflict``)."""

    # Sites do not require a title and store an empty one as "(no title)": the portal does.
    # No max_length here: its maxlength attribute makes the browser cut a pasted title
    # silently. The site's own limit is counted on the page and checked in clean_title.
    title = forms.CharField(
        label=_("Title"),
        error_messages={"required": _("Give the task a title.")},
    )
    task_type = forms.ChoiceField(label=_("Task type"))
    status = forms.ChoiceField(label=_("Status"))
    priority = forms.ChoiceField(label=_("Priority"))
    start_date = LocalDateTimeField(label=_("Starts"), required=False)
    due_date = LocalDateTimeField(label=_("Due"), required=False)
    assignees = forms.MultipleChoiceField(
        label=_("Assigned to"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    other_people = forms.CharField(
        label=_("Or type site user ids"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas, e.g. sales1@example.com."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=10_000, widget=forms.Textarea
    )
    snapshot = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        vocabulary: Vocabulary,
        people: list[SiteUser],
        task: Task | None = None,
        site: Site | None = None,
        **kwargs: Any,
    ) -> None:
        if task is not None and "initial" not in kwargs:
            kwargs["initial"] = {**task_values(task), "snapshot": snapshot_of(task)}
        super().__init__(*args, **kwargs)
        self.task = task
        self.site = site
        # The loaded copy: from the task on GET, from the signed snapshot on POST, so a value
        # the vocabulary lacks (``late``, a retired option) validates as it was shown.
        loaded = self._loaded() if task is None else None
        editing = task is not None or loaded is not None
        current = task_values(task) if task else (loaded or {})
        statuses = tuple(s for s in vocabulary.statuses if s.lower() != "late")
        self.fields["status"].choices = _choices(statuses, current.get("status"))
        self.fields["priority"].choices = _choices(vocabulary.priorities, current.get("priority"))
        if vocabulary.task_types:
            choices = _choices(vocabulary.task_types, current.get("task_type"))
            if editing and not current.get("task_type"):
                choices.insert(0, ("", "—"))
            self.fields["task_type"].choices = choices
            # Only required on create [014]; an old task without a type can still be edited.
            self.fields["task_type"].required = not editing
        else:  # upstream Frappe CRM may have no task types at all
            del self.fields["task_type"]
        known = {person.user_id for person in people}
        picks = [(p.user_id, _person_label(p)) for p in people]
        picks += [(i, i) for i in current.get("assignees", []) if i not in known]
        self.fields["assignees"].choices = picks
        features = site_features(site) if site is not None else None
        self._limit_title(features)
        self.one_assignee_required = bool(features and features.assignee_required)
        if features and not features.multiple_assignees:
            self.fields["assignees"] = OnePersonField(
                label=_("Assigned to"), required=False, choices=[("", "—"), *picks],
                help_text=_("These sites take one person per task."),
            )  # fmt: skip
        if self.one_assignee_required:
            self.fields["assignees"].help_text = _(
                "These sites take one person per task, and refuse a task without one."
            )
        if features and features.plain_due_dates:
            # Days only, no start: a time or a start would be refused or dropped by the site.
            del self.fields["start_date"]
            self.fields["due_date"] = LocalDayField(label=_("Due"), required=False)
            if self.initial.get("due_date"):
                self.initial["due_date"] = self.initial["due_date"][:10]
        if not editing:
            self.initial.setdefault("status", _first_open(statuses))
            middle = [p for p in ("Medium", "Normal") if p in vocabulary.priorities]
            if middle:  # the sites' own default (EspoCRM's is Normal)
                self.initial.setdefault("priority", middle[0])

    def _limit_title(self, features: Features | None) -> None:
        """The site's longest title, counted on the page (portal.js) and checked on save."""
        self.title_limit = (features or Features()).title_max_length
        field = self.fields["title"]
        field.widget.attrs.update(
            {
                "data-max-chars": str(self.title_limit),
                "data-counter": "title-counter",
                "aria-describedby": "title-counter",
            }
        )
        field.help_text = _("At most %(max)s characters: the longest title %(site)s takes.") % {
            "max": self.title_limit,
            "site": self.site.name if self.site is not None else _("the site"),
        }

    def clean_title(self) -> str:
        title = self.cleaned_data.get("title", "")
        loaded = (self._loaded() or {}) if self.task is None else task_values(self.task)
        if len(title) > self.title_limit and title != loaded.get("title"):
            raise forms.ValidationError(
                _(
                    "This title has %(count)s characters; %(site)s takes at most %(max)s. "
                    "Shorten it: nothing was cut."
                )
                % {
                    "count": len(title),
                    "max": self.title_limit,
                    "site": self.site.name if self.site is not None else _("the site"),
                }
            )
        return title

    def _loaded(self) -> dict[str, Any] | None:
        try:
            snapshot = signing.loads(self.data.get("snapshot") or "", salt=_SNAPSHOT_SALT)
        except signing.BadSignature:
            return None
        return snapshot.get("values") or None

    def clean_other_people(self) -> list[str]:
        raw = self.cleaned_data.get("other_people", "")
        ids = typed_list(raw)
        if any(len(i) > 140 or "%" in i for i in ids):
            raise forms.ValidationError(_("A site user id has at most 140 characters, no “%”."))
        return ids

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, due = data.get("start_date"), data.get("due_date")
        loaded = (self.original() or {}).get("values", {}) if self.task is None else {}
        untouched = loaded and (loaded.get("start_date"), loaded.get("due_date")) == (start, due)
        # Sites take a due date before the start silently; a task that already has one can
        # still be edited for something else.
        if start and due and due < start and not untouched:  # one format: text order is time
            self.add_error("due_date", _("The due date is before the start."))
        self._check_status_kept(data)
        self._check_assignees(data)
        return data

    def _check_assignees(self, data: dict[str, Any]) -> None:
        chosen = list(data.get("assignees") or []) + list(data.get("other_people") or [])
        people = [p for p in chosen if p]
        features = site_features(self.site) if self.site is not None else None
        if features is None:
            return
        if self.one_assignee_required and not people:
            self.add_error(
                "assignees",
                _("Choose who the task is for: %(site)s refuses a task without someone assigned.")
                % {"site": self.site.name},
            )
        elif not features.multiple_assignees and len(set(people)) > 1:
            self.add_error("assignees", _("%(site)s takes one person per task.")
                           % {"site": self.site.name})  # fmt: skip

    def _check_status_kept(self, data: dict[str, Any]) -> None:
        """Say before sending what the site would refuse: an overdue task on some sites takes
        no status but Done and Open (``refused_on_save``)."""
        status, due = data.get("status"), data.get("due_date")
        if self.site is None or not status or not due:
            return
        loaded = (self.original() or {}).get("values", {}) if "snapshot" in data else {}
        if loaded.get("status") == status:
            return  # not changed by this save
        zone = ZoneInfo(self.site.time_zone or "UTC")
        due_at = datetime.fromisoformat(due).replace(tzinfo=zone)
        refused = refused_on_save(self.site, due=due_at, now=clock.now())
        if portal_status(status) in refused:
            self.add_error(
                "status",
                _(
                    "%(site)s keeps a task whose due date has passed late until it is done: "
                    "choose Done (or an open status), or give it a later due date."
                )
                % {"site": self.site.name},
            )

    def values(self) -> dict[str, Any]:
        """What the form says, in the same shape as ``task_values``."""
        data = self.cleaned_data
        out: dict[str, Any] = {name: data.get(name, "") or "" for name in _TEXT_FIELDS}
        if "task_type" not in self.fields:
            out.pop("task_type")
        for name in _DATE_FIELDS:
            out[name] = data.get(name, "")
        picked = list(data.get("assignees") or []) + list(data.get("other_people") or [])
        out["assignees"] = sorted(dict.fromkeys(picked))
        return out

    def original(self) -> dict[str, Any] | None:
        """The values the form was loaded with (None when missing or tampered with)."""
        try:
            return signing.loads(self.cleaned_data.get("snapshot") or "", salt=_SNAPSHOT_SALT)
        except signing.BadSignature:
            return None

    def changed_fields(self) -> dict[str, Any]:
        """Only what differs from the loaded copy, in the portal's write fields."""
        original = self.original() or {}
        changed = {}
        for name, value in self.values().items():
            if original.get("values", {}).get(name) != value:
                changed[name] = value
        return to_site_fields(changed)


def to_site_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values as the portal's write fields (``TaskChanges.from_fields``): dates as
    site-local text."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in _DATE_FIELDS:
            out[name] = site_value(value)
        elif name == "assignees":
            out["assignees"] = [str(i) for i in value]
        else:
            out[name] = value
    return out


def task_values(task: Task) -> dict[str, Any]:
    return {
        "title": task.title or "",
        "description": task.description or "",
        "status": task.status or "",
        "priority": task.priority or "",
        "task_type": task.task_type or "",
        "start_date": local_value(task.start_date),
        "due_date": local_value(_due_shown(task)),
        "assignees": sorted({a.user_id or a.email or "" for a in task.assignees} - {""}),
    }


def _due_shown(task: Task) -> datetime | None:
    """A plain due date (``Task.due_is_day``) is held as 00:00 of the day after, when it turns
    overdue: the form shows the day itself."""
    if task.due_date is not None and task.due_is_day:
        return task.due_date - timedelta(days=1)
    return task.due_date


def snapshot_of(task: Task) -> str:
    modified = task.modified.isoformat() if task.modified else ""
    return signing.dumps({"values": task_values(task), "modified": modified}, salt=_SNAPSHOT_SALT)


def snapshot_modified(form: TaskForm) -> datetime | None:
    original = form.original() or {}
    text = original.get("modified") or ""
    return datetime.fromisoformat(text) if text else None


def _person_label(person: SiteUser) -> str:
    """An option's text cannot hold <bdi>: first-strong isolate marks keep a Latin name and its
    brackets in order on an Arabic page (and an Arabic name on an English one)."""
    label = f"{person.full_name} ({person.user_id})" if person.full_name else person.user_id
    return f"\u2068{label}\u2069"


def create_fields(form: TaskForm) -> dict[str, Any]:
    """What a create sends: every field given (the site fills in the rest [007-013])."""
    values = {k: v for k, v in form.values().items() if v not in ("", [], None)}
    return to_site_fields(values)


def _first_open(statuses: tuple[str, ...]) -> str:
    for value in statuses:
        if portal_status(value) == "open":
            return value
    return statuses[0] if statuses else ""


class AssignForm(forms.Form):
    """Assign or reassign from the task page: people the portal knows on the site, or typed
    site user ids. Carries the same signed snapshot as the edit form (outdated-copy check)."""

    assignees = TaskForm.base_fields["assignees"]
    other_people = TaskForm.base_fields["other_people"]
    snapshot = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, people: list[SiteUser], task: Task | None = None, **kwargs: Any
    ) -> None:
        if task is not None and "initial" not in kwargs:
            values = task_values(task)
            kwargs["initial"] = {"assignees": values["assignees"], "snapshot": snapshot_of(task)}
        super().__init__(*args, **kwargs)
        current = task_values(task)["assignees"] if task else self._snapshot_people()
        known = {person.user_id for person in people}
        picks = [(p.user_id, _person_label(p)) for p in people]
        picks += [(i, i) for i in current if i not in known]
        self.fields["assignees"].choices = picks

    def _snapshot_people(self) -> list[str]:
        try:
            loaded = signing.loads(self.data.get("snapshot") or "", salt=_SNAPSHOT_SALT)
        except signing.BadSignature:
            return []
        return list(loaded.get("values", {}).get("assignees", []))

    clean_other_people = TaskForm.clean_other_people
    original = TaskForm.original

    def wanted(self) -> list[str]:
        data = self.cleaned_data
        picked = list(data.get("assignees") or []) + list(data.get("other_people") or [])
        return sorted(dict.fromkeys(picked))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=PORTAL_STATUSES)


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("status:done", _("Mark done")),
            ("status:in_progress", _("Mark in progress")),
            ("status:open", _("Reopen")),
            ("status:cancelled", _("Cancel")),
            ("delete", _("Delete")),
        ]
    )
