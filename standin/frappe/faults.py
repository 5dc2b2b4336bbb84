"""The answers of injected `error` and `rate_limit` faults (`standin.faults`) as a
Frappe site gives them: its JSON error body, `TooManyRequestsError` for a 429."""

from __future__ import annotations

import json

from standin.httpio import Response, json_response


def rate_limit() -> Response:
    return json_response(
        {
            "exception": "frappe.exceptions.TooManyRequestsError",
            "exc_type": "TooManyRequestsError",
            "_server_messages": json.dumps(
                [json.dumps({"message": "Too Many Requests", "title": "Message"})]
            ),
        },
        429,
    )


def error(status: int) -> Response:
    text = f"Injected fault: HTTP {status}"
    return json_response(
        {
            "exception": f"frappe.exceptions.ServerError: {text}",
            "exc_type": "ServerError",
            "exc": json.dumps([text]),
        },
        status,
    )
