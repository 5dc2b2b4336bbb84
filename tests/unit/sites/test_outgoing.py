"""The one Django glue module: settings → address policy and the shared HTTP seam."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from portal.sites import outgoing as config


@pytest.fixture(autouse=True)
def fresh_seam():
    if not settings.configured:  # unit tests run without the project's settings
        settings.configure()
    config.reset_http()
    yield
    config.reset_http()


def test_defaults_are_strict_about_loopback_and_http():
    with override_settings():
        for name in ("SITE_ALLOW_PRIVATE_NETWORKS", "SITE_ALLOW_LOOPBACK",
                     "SITE_ALLOW_INSECURE_HTTP"):  # fmt: skip
            if hasattr(settings, name):  # the project's test settings may set them
                delattr(settings, name)
        policy = config.policy_from_settings()
    assert (policy.allow_private, policy.allow_loopback, policy.allow_insecure_http) == (
        True,
        False,
        False,
    )


@override_settings(
    SITE_ALLOW_PRIVATE_NETWORKS=False,
    SITE_ALLOW_LOOPBACK=True,
    SITE_ALLOW_INSECURE_HTTP=True,
    SITE_CONNECT_TIMEOUT=1.5,
    SITE_READ_TIMEOUT=7,
    SITE_USER_AGENT="portal-test/1",
)
def test_settings_shape_the_seam():
    http = config.http_from_settings()
    assert http.policy.allow_loopback and not http.policy.allow_private
    assert (http.timeout, http.user_agent) == ((1.5, 7.0), "portal-test/1")


def test_the_seam_is_shared_by_the_process():
    assert config.http_from_settings() is config.http_from_settings()
