"""How log lines look: plain text for people at a terminal, or one JSON object per line for a log
collector (``LOG_FORMAT=json``).

JSON comes from python-json-logger: it is a ``logging.Formatter``, so it sits behind the same
handler and the same ``RedactSecrets`` filter as the text format, and needs nothing else
(structlog would bring its own processing chain in front of the standard library's). Every
line has ``time``, ``level``, ``logger``, ``message`` and ``request_id``, plus whatever a caller
passed in ``extra=``.

The redaction filter rewrites a record's message and traceback; the JSON formatter would format
the traceback afresh and serialise the extra values as they are (Django's request logger passes
the request itself, whose text holds the full URL). So this formatter uses the redacted
traceback and passes every other value through the same redaction before it is written.
"""

from __future__ import annotations

import logging
from datetime import date, time
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from portal.ops.log_redaction import redact

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = ("levelname", "name", "message", "request_id")
JSON_RENAMES = {"levelname": "level", "name": "logger"}


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_clean(item) for item in value]
    return redact(str(value))


class RedactedJsonFormatter(JsonFormatter):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("rename_fields", JSON_RENAMES)
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("timestamp", "time")  # ISO 8601, UTC
        super().__init__(list(JSON_FIELDS), *args, **kwargs)

    def formatException(self, ei) -> str:  # noqa: N802 (logging's name)
        # RedactSecrets stored the redacted traceback in exc_text; format() calls this with
        # exc_info, which would bring the secrets back.
        return redact(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        if not record.exc_text:
            return super().format(record)
        # Already formatted and redacted by the filter: without exc_info, format() uses
        # exc_text. Put back afterwards, for any other handler of the same record.
        exc_info, record.exc_info = record.exc_info, None
        try:
            return super().format(record)
        finally:
            record.exc_info = exc_info

    def process_log_record(self, log_data: dict) -> dict:
        return {key: _clean(value) for key, value in log_data.items()}
