"""No log line carries a secret from a URL: gunicorn's access and error logs (the logger class
portal/ops/gunicorn_conf.py installs) and Django's console handler redact them."""

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from gunicorn.config import Config

from portal.ops import gunicorn_conf
from portal.ops.log_redaction import RedactSecrets, redact
from portal.ops.request_id import RequestIdFilter

CALLBACK = "/sites/oauth/callback/?code=SECRETCODE&state=SECRETSTATE"


@pytest.mark.parametrize(
    "text",
    [
        CALLBACK,
        "GET /sites/oauth/callback/?state=SECRETSTATE&code=SECRETCODE HTTP/1.1",
        "/x/?access_token=SECRETCODE&refresh_token=SECRETCODE&id_token=SECRETCODE",
        "/x/?client_secret=SECRETCODE;api_key=SECRETCODE&key=SECRETCODE",
        "/x/?signature=SECRETCODE&sig=SECRETCODE&password=SECRETCODE&CODE=SECRETCODE",
        "/x/?code_verifier=SECRETCODE&token=SECRETCODE",
        # a callback that arrived after the session expired: the login page's next parameter
        "/accounts/login/?next=/sites/oauth/callback/%3Fcode%3DSECRETCODE%26state%3DSECRETCODE",
        "/accounts/login/?next=%2Fsites%2Foauth%2Fcallback%2F%253Fcode%253DSECRETCODE",
        'ref "https://portal.example/sites/oauth/callback/?code=SECRETCODE" agent',
        "/notifications/act/SECRETCODE/",
        "/notifications/unsubscribe/SECRETCODE/?x=1",
    ],
)
def test_secret_values_are_redacted_wherever_they_sit_in_a_url(text):
    redacted = redact(text)
    assert "SECRETCODE" not in redacted and "SECRETSTATE" not in redacted
    assert "[redacted]" in redacted


def test_the_rest_of_a_url_stays_readable():
    assert redact(CALLBACK) == "/sites/oauth/callback/?code=[redacted]&state=[redacted]"
    url = "/tasks/?title=call+the+bank&assignee=sales1%40riyadh.test&site=2&page=3"
    assert redact(url) == url


def test_every_signed_link_in_the_url_patterns_is_redacted():
    """Any URL pattern taking a token (the links in reminders) must be covered by the filter."""
    found = []

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and "token" in pattern.pattern.converters:
                found.append(namespace + pattern.name)

    walk(get_resolver().url_patterns)
    assert found, "no URL pattern takes a token: the walk is broken"
    for name in found:
        path = reverse(name, kwargs={"token": "SECRETCODE.abc-def"})
        assert "SECRETCODE" not in redact(path), name


def gunicorn_logger():
    cfg = Config()
    cfg.set("logger_class", gunicorn_conf.logger_class)
    cfg.set("accesslog", gunicorn_conf.accesslog)
    logger = cfg.logger_class(cfg)
    out = io.StringIO()
    for log in (logger.access_log, logger.error_log):
        for handler in log.handlers:
            if getattr(handler, "_gunicorn", False):  # not pytest's capturing handlers
                handler.setStream(out)
    return logger, out


def fake_request(raw_uri: str, referer: str):
    path, _, query = raw_uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": raw_uri, "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "test",
    }  # fmt: skip
    request = SimpleNamespace(headers=[("REFERER", referer), ("HOST", "portal")], method="GET",
                              uri=raw_uri)  # fmt: skip
    response = SimpleNamespace(status="302 Found", sent=0, headers=[])
    return request, environ, response


def test_gunicorns_access_log_names_the_path_but_never_the_code():
    logger, out = gunicorn_logger()
    request, environ, response = fake_request(CALLBACK, f"http://portal{CALLBACK}")

    logger.access(response, request, environ, timedelta(milliseconds=3))

    line = out.getvalue()
    assert "/sites/oauth/callback/" in line and '" 302 ' in line
    assert "SECRETCODE" not in line and "SECRETSTATE" not in line


def test_a_custom_access_log_format_with_the_query_is_redacted_too():
    logger, out = gunicorn_logger()
    logger.cfg.set("access_log_format", "%(U)s %(q)s %({raw_uri}e)s %({referer}i)s "
                                         "%({authorization}i)s %({http_cookie}e)s")  # fmt: skip
    request, environ, response = fake_request(CALLBACK, f"http://portal{CALLBACK}")
    request.headers.append(("AUTHORIZATION", "Bearer SECRETCODE"))
    environ["HTTP_COOKIE"] = "sessionid=SECRETCODE"

    logger.access(response, request, environ, timedelta(milliseconds=3))

    assert out.getvalue().startswith("/sites/oauth/callback/ code=[redacted]&state=[redacted] ")
    assert "SECRETCODE" not in out.getvalue()


def test_gunicorns_error_log_redacts_the_uri_of_a_failed_request_and_its_traceback():
    logger, out = gunicorn_logger()
    try:
        raise ValueError(f"bad request {CALLBACK}")
    except ValueError:
        logger.exception("Error handling request %s %s", "GET", CALLBACK)
    logger.warning(f"Invalid request from ip=1.2.3.4: Invalid Request Line '{CALLBACK}'")

    text = out.getvalue()
    assert text.count("/sites/oauth/callback/") == 3 and "ValueError" in text
    assert "SECRETCODE" not in text and "SECRETSTATE" not in text


def test_a_second_setup_after_a_reload_does_not_stack_filters():
    logger, _ = gunicorn_logger()
    logger.setup(logger.cfg)
    assert [type(f) for f in logger.access_log.filters] == [RedactSecrets, RequestIdFilter]


def test_djangos_console_handler_redacts_every_record_it_prints():
    """django.request logs the path of a refused signed link, for example."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    console = [h for h in handlers if any(isinstance(f, RedactSecrets) for f in h.filters)]
    assert console, "the root logger has no redacting console handler"
    # Django's default handlers (its DEBUG console, runserver's) would print around the filter.
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django.server").handlers == []
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Bad Request: %s",
        ("/notifications/unsubscribe/SECRETCODE/",), None,
    )  # fmt: skip
    assert console[0].filter(record)
    assert console[0].format(record).endswith("Bad Request: /notifications/unsubscribe/[redacted]/")


def test_a_record_whose_arguments_do_not_fit_its_format_is_still_printed():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s %s", ("one",), None)
    assert RedactSecrets().filter(record) is True
    assert record.args == ("one",)  # left for the handler to report as logging always does
