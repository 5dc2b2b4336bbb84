"""A request id per request: taken from a sane X-Request-ID or made, echoed, on every log
record, carried in the headers of the Celery tasks the request queues and restored around them."""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace

import pytest
from celery import shared_task
from django.http import HttpResponse
from django.test import RequestFactory

from portal.ops import request_id
from portal.ops.request_id import RequestIdFilter, RequestIdMiddleware

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(autouse=True)
def _no_id_left_over():
    request_id.deactivate()
    yield
    request_id.deactivate()


@pytest.mark.parametrize("sane", ["0b5f2c1e-8d3a-4f7e-9c21-6a4d8e2f1b3c", "lb.7f3a9c:1234abcd"])
def test_a_sane_incoming_id_is_kept(sane):
    assert request_id.accepted(sane) == sane


@pytest.mark.parametrize(
    "odd",
    [None, "", "short", "x" * 200, "has space in it", "new\nline-12345", "<script>1234</script>",
     "-starts-with-dash", "ünicode-1234567"],
)  # fmt: skip
def test_anything_else_gets_a_new_id(odd):
    assert GENERATED.fullmatch(request_id.accepted(odd))


def run_middleware(headers: dict) -> tuple[HttpResponse, list[str]]:
    seen = []

    def view(request):
        seen.append(request_id.current())
        seen.append(request.request_id)
        return HttpResponse("ok")

    request = RequestFactory().get("/", headers=headers)
    return RequestIdMiddleware(view)(request), seen


def test_the_middleware_echoes_the_callers_id_and_holds_it_during_the_request():
    response, seen = run_middleware({"X-Request-ID": "caller-id-0001"})
    assert response["X-Request-ID"] == "caller-id-0001"
    assert seen == ["caller-id-0001", "caller-id-0001"]


def test_the_middleware_makes_an_id_when_there_is_none():
    response, seen = run_middleware({})
    assert GENERATED.fullmatch(response["X-Request-ID"])
    assert seen == [response["X-Request-ID"]] * 2


# Closing a response also closes stale database connections (Django's request_finished
# receiver); a connection an earlier test left in this thread must be allowed to be looked at.
@pytest.mark.django_db
def test_the_id_is_cleared_when_the_response_is_closed():
    response, _ = run_middleware({"X-Request-ID": "caller-id-0002"})
    assert request_id.current() == "caller-id-0002"  # still there for the access log
    response.close()  # sends request_finished
    assert request_id.current() == ""


def test_the_filter_puts_the_id_on_every_record():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"
    request_id.activate("caller-id-0003")
    RequestIdFilter().filter(record)
    assert record.request_id == "caller-id-0003"


def test_a_published_task_carries_the_id_in_its_headers():
    headers: dict = {}
    request_id.task_publishing(headers=headers)
    assert headers == {}  # no request, nothing to carry
    request_id.activate("caller-id-0004")
    request_id.task_publishing(headers=headers)
    assert headers == {request_id.TASK_HEADER: "caller-id-0004"}


def fake_task(**request) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(headers=None, is_eager=False, **request))


def test_a_worker_runs_a_task_under_the_id_it_carries_then_drops_it():
    task = fake_task(**{request_id.TASK_HEADER: "caller-id-0005"})
    request_id.task_starting(task_id="t1", task=task)
    assert request_id.current() == "caller-id-0005"
    request_id.task_finished(task_id="t1")
    assert request_id.current() == ""


def test_a_task_without_an_id_or_with_a_forged_one_runs_without():
    request_id.activate("left-over-0006")
    request_id.task_starting(task_id="t2", task=fake_task())
    assert request_id.current() == ""
    request_id.task_finished(task_id="t2")
    forged = fake_task(**{request_id.TASK_HEADER: "bad id\nwith lines"})
    request_id.task_starting(task_id="t3", task=forged)
    assert request_id.current() == ""
    request_id.task_finished(task_id="t3")


@shared_task(name="tests.unit.ops.test_request_id.note_request_id")
def note_request_id() -> str:
    logging.getLogger("tests.task").info("inside the task")
    return request_id.current()


def test_a_task_run_eagerly_keeps_the_id_of_the_code_that_ran_it():
    request_id.activate("caller-id-0007")
    assert note_request_id.apply().get() == "caller-id-0007"
    assert request_id.current() == "caller-id-0007"  # the request goes on with its own id
