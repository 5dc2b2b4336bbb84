"""JSON log lines: one object per line that parses, with the request id, and no secret in the
message, the traceback or any extra value (the formatter sits behind the redaction filter)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from portal.ops import request_id
from portal.ops.log_format import RedactedJsonFormatter
from portal.ops.log_redaction import RedactSecrets
from portal.ops.request_id import RequestIdFilter

CALLBACK = "/sites/oauth/callback/?code=SECRETCODE&state=SECRETSTATE"


@pytest.fixture
def lines():
    """A logger wired like the portal's console handler with LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactedJsonFormatter())
    handler.addFilter(RedactSecrets())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("tests.json_logs")
    logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.DEBUG
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    request_id.deactivate()


class Request:
    """Stands for Django's request, which django.request passes in ``extra``."""

    def __str__(self) -> str:
        return f"<WSGIRequest: GET '{CALLBACK}'>"


def test_every_line_is_one_json_object_with_the_request_id(lines):
    logger, read = lines
    request_id.activate("caller-id-0001")
    logger.info("first %s", "line")
    request_id.deactivate()
    logger.warning("second, outside any request: ünïcödé ✓")
    first, second = read()
    assert first["message"] == "first line" and first["request_id"] == "caller-id-0001"
    assert first["level"] == "INFO" and first["logger"] == "tests.json_logs"
    assert first["time"].endswith("+00:00")
    assert second["request_id"] == "-" and second["message"].endswith("✓")


def test_secrets_are_redacted_in_the_message_the_extras_and_the_traceback(lines):
    logger, read = lines
    logger.warning('Not Found: %s "quoted"', CALLBACK, extra={"request": Request(),
                   "status_code": 404, "links": ["/notifications/act/SECRETCODE/"]})  # fmt: skip
    try:
        raise RuntimeError(f"failed on https://crm.example/x?access_token=SECRETCODE {CALLBACK}")
    except RuntimeError:
        logger.exception("boom")
    text = "\n".join(json.dumps(line) for line in read())
    assert "SECRETCODE" not in text and "SECRETSTATE" not in text
    warning, error = read()
    assert warning["status_code"] == 404
    redacted = "/sites/oauth/callback/?code=[redacted]&state=[redacted]"
    assert warning["request"] == f"<WSGIRequest: GET '{redacted}'>"
    assert warning["links"] == ["/notifications/act/[redacted]/"]
    assert "RuntimeError" in error["exc_info"] and "access_token=[redacted]" in error["exc_info"]


def test_the_record_is_left_as_it_was_for_other_handlers(lines):
    logger, read = lines
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.exc_info)

    keep = Keep()
    logger.addHandler(keep)
    try:
        raise ValueError("x")
    except ValueError:
        logger.exception("boom")
    finally:
        logger.removeHandler(keep)
    [line] = read()
    assert "ValueError" in line["exc_info"]
    assert seen and seen[0] is not None and seen[0][0] is ValueError
