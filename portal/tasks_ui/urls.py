from django.urls import path

from portal.tasks_ui.views import (
    actions,
    board,
    bulk,
    calendar,
    inbox,
    saved_views,
    search,
    task,
)

app_name = "tasks_ui"

urlpatterns = [
    path("", inbox.home, name="home"),
    path("tasks/", search.search, name="search"),
    path("tasks/board/", board.board, name="board"),
    path("tasks/calendar/", calendar.calendar, name="calendar"),
    path("tasks/new/", task.create_choose, name="create_choose"),
    path("tasks/views/", saved_views.view_save, name="view_save"),
    path("tasks/views/<int:view_id>/delete/", saved_views.view_delete, name="view_delete"),
    path("tasks/views/<int:view_id>/start/", saved_views.view_start_page, name="view_start"),
    path("tasks/bulk/", bulk.bulk, name="bulk"),
    path("tasks/bulk/<str:job_id>/", bulk.bulk_progress, name="bulk_job"),
    path("tasks/<int:site_id>/new/", task.task_create_page, name="create"),
    path("tasks/<int:site_id>/write-access/", actions.write_recheck, name="recheck"),
    path("tasks/<int:site_id>/<task:task_id>/", task.task_page, name="task"),
    path("tasks/<int:site_id>/<task:task_id>/edit/", task.task_edit_page, name="edit"),
    path("tasks/<int:site_id>/<task:task_id>/status/", actions.task_status, name="status"),
    path("tasks/<int:site_id>/<task:task_id>/assign/", actions.task_reassign, name="assign"),
    path("tasks/<int:site_id>/<task:task_id>/delete/", actions.task_delete_page, name="delete"),
    path(
        "tasks/<int:site_id>/<task:task_id>/reschedule/",
        calendar.task_reschedule_page,
        name="reschedule",
    ),
]
