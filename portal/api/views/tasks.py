"""One task: read, create, edit, status, delete, through the same services as the pages (the
same access checks, the site's answer checked, the same audit rows)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from portal import clock
from portal.api.problems import site_failed, site_unavailable
from portal.api.serializers import (
    StatusSerializer,
    TaskCreateSerializer,
    TaskDetailSerializer,
    TaskEditSerializer,
    TaskSerializer,
)
from portal.api.views.base import SITE_READ_PROBLEMS, SITE_WRITE_PROBLEMS, PortalView, problems
from portal.api.views.lists import TaskListRead, form_errors
from portal.api.views.rows import task_data
from portal.sites.backends.errors import SiteError
from portal.sites.backends.types import Task
from portal.sites.buckets import bucket
from portal.sites.models import Site
from portal.tasks_ui.forms import TaskForm, create_fields, snapshot_of, task_values
from portal.tasks_ui.selectors.rows import people_of
from portal.tasks_ui.selectors.sources import Source, names_by_site, people_of_site, vocabulary_for
from portal.tasks_ui.selectors.task import source_for, task_read, task_view_for_user
from portal.tasks_ui.services.writes import task_create, task_delete, task_edit, task_status_set

_FIELDS = ("title", "description", "status", "priority", "task_type", "start_date", "due_date")


def _source(user, site_id: int) -> tuple[Site, Source]:
    """The site (404 unless this person and token may see it) and the person's connection."""
    site, source, problem = source_for(user=user, site_id=site_id)
    if source is None:
        raise site_unavailable(problem, site)
    return site, source


def _written(source: Source, task: Task) -> dict:
    names = names_by_site([source.site.pk]).get(source.site.pk, {})
    return task_data(
        task, site=source.site, bucket=bucket(task, clock.now()),
        people=people_of(task, names), can_write=source.can_write,
        read_only_reason=source.read_only_reason,
    )  # fmt: skip


def _local(value: str, site: Site) -> str:
    """A date the API was given, as the form takes it: on the site's clock."""
    text = value.strip()
    if len(text) <= 16 or "T" not in text and " " not in text:
        return text
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text  # the form says what is wrong with it
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(site.time_zone or "UTC"))
    return moment.strftime("%Y-%m-%dT%H:%M")


def form_data(given: dict, site: Site, base: dict | None = None) -> MultiValueDict:
    """What the page's form would have posted: ``base`` (the task as read) changed by what the
    API was given. Assignees go as typed site user ids (the form checks them)."""
    values = dict(base or {})
    for name in _FIELDS:
        if name in given:
            values[name] = _local(given[name], site) if name.endswith("_date") else given[name]
    people = given.get("assignees", values.get("assignees") or [])
    if any(sep in person for person in people for sep in ",،\n"):
        raise exceptions.ValidationError(
            {"assignees": [_("A site user id has no commas or line breaks.")]}
        )
    data = MultiValueDict({name: [values[name]] for name in _FIELDS if name in values})
    data.setlist("assignees", [])
    data.setlist("other_people", [", ".join(people)])
    if base is not None:
        data.setlist("snapshot", [values["snapshot"]])
    return data


class TaskList(TaskListRead):
    @extend_schema(
        operation_id="tasks_create",
        summary="Create a task on a site",
        request=TaskCreateSerializer,
        responses={201: TaskSerializer, **problems(*SITE_WRITE_PROBLEMS)},
    )
    def post(self, request):
        given = TaskCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        site, source = _source(request.user, given.validated_data["site_id"])
        try:
            vocabulary = vocabulary_for(source)
        except SiteError as error:
            raise site_failed(error, site) from error
        people = people_of_site(site.pk)
        defaults = TaskForm(vocabulary=vocabulary, people=people, site=site).initial
        base = {name: defaults[name] for name in ("status", "priority") if name in defaults}
        data = form_data(given.validated_data, site, None)
        for name, value in base.items():
            data.setdefault(name, value)
        form = TaskForm(data, vocabulary=vocabulary, people=people, site=site)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        try:
            task = task_create(user=request.user, source=source, fields=create_fields(form))
        except SiteError as error:
            raise site_failed(error, site) from error
        return Response(TaskSerializer(_written(source, task)).data, status=status.HTTP_201_CREATED)


class TaskDetail(PortalView):
    @extend_schema(
        operation_id="tasks_get",
        summary="One task, read from its site now",
        responses={200: TaskDetailSerializer, **problems(*SITE_READ_PROBLEMS)},
    )
    def get(self, request, site_id: int, task_id: str):
        view = task_view_for_user(user=request.user, site_id=site_id, task_id=task_id)
        if view.problem is not None or view.task is None:
            raise site_unavailable(view.problem, view.site)
        source = view.source
        body = task_data(
            view.task, site=view.site, bucket=bucket(view.task, clock.now()),
            people=view.people, can_write=view.can_write,
            read_only_reason=source.read_only_reason if source else "",
        )  # fmt: skip
        body["site_url"] = view.site_url
        return Response(TaskDetailSerializer(body).data)

    @extend_schema(
        operation_id="tasks_edit",
        summary="Change some fields of a task (only what differs is sent to the site)",
        request=TaskEditSerializer,
        responses={200: TaskSerializer, **problems(*SITE_WRITE_PROBLEMS)},
    )
    def patch(self, request, site_id: int, task_id: str):
        site, source = _source(request.user, site_id)
        given = TaskEditSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            vocabulary = vocabulary_for(source)
            current = task_read(source, task_id)
        except SiteError as error:
            raise site_failed(error, site) from error
        base = {**task_values(current), "snapshot": snapshot_of(current)}
        people = people_of_site(site.pk)
        form = TaskForm(
            form_data(given.validated_data, site, base), vocabulary=vocabulary, people=people,
            task=None, site=site,
        )  # fmt: skip
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        changed = form.changed_fields()
        if not changed:
            return Response(TaskSerializer(_written(source, current)).data)
        expected = given.validated_data.get("modified") or current.modified
        try:
            task = task_edit(
                user=request.user, source=source, task_id=task_id,
                expected_modified=expected, changed=changed,
            )  # fmt: skip
        except SiteError as error:
            raise site_failed(error, site) from error
        return Response(TaskSerializer(_written(source, task)).data)

    @extend_schema(
        operation_id="tasks_delete",
        summary="Delete a task (checked: the site no longer has it)",
        responses={204: OpenApiResponse(description="Deleted."), **problems(*SITE_WRITE_PROBLEMS)},
    )
    def delete(self, request, site_id: int, task_id: str):
        site, source = _source(request.user, site_id)
        try:
            task_delete(user=request.user, source=source, task_id=task_id)
        except SiteError as error:
            raise site_failed(error, site) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaskStatus(PortalView):
    @extend_schema(
        operation_id="tasks_status",
        summary="Set a task's status, in the portal's words",
        request=StatusSerializer,
        responses={200: TaskSerializer, **problems(*SITE_WRITE_PROBLEMS)},
    )
    def post(self, request, site_id: int, task_id: str):
        site, source = _source(request.user, site_id)
        given = StatusSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            task = task_status_set(
                user=request.user, source=source, task_id=task_id,
                status=given.validated_data["status"],
            )  # fmt: skip
        except SiteError as error:
            raise site_failed(error, site) from error
        return Response(TaskSerializer(_written(source, task)).data)
