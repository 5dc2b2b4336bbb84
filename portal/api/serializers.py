"""What the API answers and takes, declared once: the schema (drf-spectacular) and the answers
are made from the same classes, so an answer that drifts from its schema cannot be written."""

from __future__ import annotations

from rest_framework import serializers

from portal.task_ids import PATTERN as TASK_ID
from portal.tasks_ui.forms import PORTAL_STATUSES

BUCKETS = ("overdue", "late", "today", "upcoming")
PROBLEM_CODES = "not_found, denied, invalid, throttled, refused, conflict, reconnect, ..."


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(default="about:blank")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text=f"The reason, for programs: {PROBLEM_CODES}")
    site_id = serializers.IntegerField(required=False)
    site_name = serializers.CharField(required=False)
    errors = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text="Invalid fields and why."
    )
    site_answered = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="A refused write: the fields as the site answered them.",
    )


class PersonSerializer(serializers.Serializer):
    user_id = serializers.CharField()
    name = serializers.CharField()


class TaskSerializer(serializers.Serializer):
    site_id = serializers.IntegerField()
    site_name = serializers.CharField()
    id = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_null=True, allow_blank=True)
    status = serializers.CharField(help_text="The site's own value.", allow_blank=True)
    portal_status = serializers.ChoiceField(choices=PORTAL_STATUSES)
    priority = serializers.CharField(allow_null=True, allow_blank=True)
    task_type = serializers.CharField(allow_null=True, allow_blank=True)
    start_date = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateTimeField(allow_null=True)
    due_is_day = serializers.BooleanField(help_text="The site keeps a due day, not a time.")
    modified = serializers.DateTimeField(allow_null=True)
    bucket = serializers.ChoiceField(choices=BUCKETS, allow_null=True)
    assignees = PersonSerializer(many=True)
    can_write = serializers.BooleanField()
    read_only_reason = serializers.CharField(allow_blank=True)


class SiteProblemSerializer(serializers.Serializer):
    """A site missing from a list: not connected, out of reach, ..."""

    site_id = serializers.IntegerField()
    site_name = serializers.CharField()
    code = serializers.CharField()
    detail = serializers.CharField()


class CountsSerializer(serializers.Serializer):
    overdue = serializers.IntegerField()
    late = serializers.IntegerField()
    today = serializers.IntegerField(help_text="Open tasks starting today.")
    today_finished = serializers.IntegerField(help_text="Counted with bucket today only.")
    upcoming = serializers.IntegerField()


class TaskPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Matches across the sites that answered.")
    next = serializers.CharField(allow_null=True, help_text="The next page's URL, or null.")
    results = TaskSerializer(many=True)
    problems = SiteProblemSerializer(many=True)


class InboxCountsSerializer(serializers.Serializer):
    mine = CountsSerializer(
        required=False, help_text="Absent when scope is all and a big site answered."
    )
    all = CountsSerializer(
        required=False, help_text="Absent when scope is mine and a big site answered."
    )


class InboxTotalsSerializer(serializers.Serializer):
    mine = serializers.IntegerField(help_text="Open tasks in some bucket assigned to me.")
    all = serializers.IntegerField(help_text="Open tasks in some bucket I may see.")


class InboxPageSerializer(TaskPageSerializer):
    scope = serializers.ChoiceField(choices=("mine", "all"))
    bucket = serializers.ChoiceField(choices=BUCKETS)
    counts = InboxCountsSerializer(
        help_text="Per bucket: the chosen scope's always, the other's when every site was small "
        "enough to read whole (a big site tells only the other scope's total)."
    )
    totals = InboxTotalsSerializer(help_text="What the scope tabs show.")
    finished_today = TaskSerializer(
        many=True, help_text="Bucket today, first page: the tasks of today already finished."
    )


class TaskDetailSerializer(TaskSerializer):
    site_url = serializers.CharField(help_text="The task on its site.")


class TaskWriteSerializer(serializers.Serializer):
    """Fields in the site's own words (its statuses, priorities, task types). Dates are on the
    site's clock: ``2026-11-23T17:00``, or with an offset (converted); a site that keeps due
    days takes ``2026-11-23``."""

    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    status = serializers.CharField(max_length=140, required=False)
    priority = serializers.CharField(max_length=140, required=False)
    task_type = serializers.CharField(max_length=140, required=False, allow_blank=True)
    start_date = serializers.CharField(max_length=40, required=False, allow_blank=True)
    due_date = serializers.CharField(max_length=40, required=False, allow_blank=True)
    assignees = serializers.ListField(
        child=serializers.CharField(max_length=140), max_length=50, required=False
    )


class TaskCreateSerializer(TaskWriteSerializer):
    site_id = serializers.IntegerField(min_value=1, max_value=2**62)
    title = serializers.CharField(max_length=300)


class TaskEditSerializer(TaskWriteSerializer):
    modified = serializers.DateTimeField(
        required=False,
        help_text="The task's `modified` as you read it: a newer copy on the site is a 409.",
    )


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PORTAL_STATUSES)


class BulkStartSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["status:done", "status:in_progress", "status:open", "status:cancelled", "delete"]
    )
    tasks = serializers.ListField(
        child=serializers.RegexField(rf"^[0-9]{{1,18}}:{TASK_ID}$", max_length=100),
        min_length=1,
        max_length=1000,
        help_text='"site_id:task_id" of each task.',
    )


class BulkRowSerializer(serializers.Serializer):
    site_id = serializers.IntegerField(allow_null=True)
    site_name = serializers.CharField(allow_blank=True)
    task_id = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    state = serializers.ChoiceField(choices=["pending", "running", "ok", "failed", "gone"])
    message = serializers.CharField(allow_blank=True)


class BulkJobSerializer(serializers.Serializer):
    id = serializers.CharField()
    action = serializers.CharField()
    status = serializers.CharField(allow_blank=True, help_text="The portal status asked for.")
    finished = serializers.BooleanField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    gone = serializers.IntegerField()
    rows = BulkRowSerializer(many=True)


class HealthSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["ok", "warning", "error", "unknown"])
    reachable = serializers.BooleanField(allow_null=True)
    credential_ok = serializers.BooleanField(allow_null=True)
    token_expires_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_webhook_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    attention = serializers.ListField(child=serializers.CharField())


class SiteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="frappe, djangocrm or espocrm.")
    time_zone = serializers.CharField(allow_blank=True)
    connected = serializers.BooleanField()
    reconnect_needed = serializers.BooleanField()
    site_user_id = serializers.CharField(allow_blank=True)
    can_write = serializers.BooleanField(allow_null=True, help_text="null: not known yet.")
    health = HealthSerializer()


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    channel_kind = serializers.CharField()
    channel_name = serializers.CharField(allow_null=True)
    recipient = serializers.CharField(allow_blank=True)
    rule_name = serializers.CharField(allow_blank=True)
    summary = serializers.CharField(allow_blank=True)
    site_id = serializers.IntegerField(allow_null=True)
    tasks = serializers.IntegerField(help_text="How many tasks it covers.")
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    send_after = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)


class DeliveryPageSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = DeliverySerializer(many=True)


class CountsOfSiteSerializer(serializers.Serializer):
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    done = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    done_with_due = serializers.IntegerField()
    done_on_time = serializers.IntegerField()
    reminders_sent = serializers.IntegerField()
    escalations = serializers.IntegerField()


class FiguresSerializer(CountsOfSiteSerializer):
    on_time_rate = serializers.FloatField(allow_null=True, help_text="Percent.")
    completion_rate = serializers.FloatField(allow_null=True, help_text="Percent.")


class SiteFiguresSerializer(CountsOfSiteSerializer):
    site_id = serializers.IntegerField()
    site_name = serializers.CharField()
    aging = serializers.DictField(child=serializers.IntegerField(), help_text="Days overdue.")
    snapshot_at = serializers.DateTimeField(allow_null=True)


class PersonFiguresSerializer(serializers.Serializer):
    site_id = serializers.IntegerField()
    site_user_id = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    done = serializers.IntegerField()
    done_on_time = serializers.IntegerField()
    done_with_due = serializers.IntegerField()


class TrendDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    overdue = serializers.IntegerField(allow_null=True, help_text="null: no snapshot that day.")


class ReportSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    totals = FiguresSerializer()
    sites = SiteFiguresSerializer(many=True)
    people = PersonFiguresSerializer(many=True)
    trend = TrendDaySerializer(many=True)
