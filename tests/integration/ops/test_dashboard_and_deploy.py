"""The example dashboard asks only for metrics /metrics really serves, and the production
settings with metrics and JSON logs switched on still pass `manage.py check --deploy`."""

import json
import os
import re
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import ROOT
from tests.integration.ops.scrape import TOKEN

pytestmark = pytest.mark.django_db
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")
# PromQL words that are not metric names.
PROMQL = {"sum", "by", "rate", "increase", "histogram_quantile", "time", "label_values",
          "le", "site", "outcome", "state", "bucket", "channel", "status", "queue"}  # fmt: skip


def family_names(text: str) -> set[str]:
    return {family.name for family in text_string_to_metric_families(text)}


def metric_names_in(expr: str) -> set[str]:
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr))
    return {word for word in words if word not in PROMQL and "_" in word}


def base_name(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def test_every_metric_the_dashboard_asks_for_is_served(client, settings):
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    served = family_names(response.content.decode())
    dashboard = json.loads((ROOT / "ops" / "grafana" / "portal-dashboard.json").read_text())
    asked = set()
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            asked |= metric_names_in(target["expr"])
    asked |= metric_names_in(dashboard["templating"]["list"][1]["definition"])
    assert len(asked) >= 10
    missing = {name for name in asked if name not in served and base_name(name) not in served}
    assert not missing, f"the dashboard asks for metrics /metrics does not serve: {missing}"


def test_check_deploy_is_clean_with_metrics_and_json_logs(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "PORTAL_ENV": "production",
        "PORTAL_DATA_DIR": str(tmp_path),
        "SECRET_KEY": Fernet.generate_key().decode() * 2,
        "ALLOWED_HOSTS": "portal.example.com,web",
        "PORTAL_BASE_URL": "https://portal.example.com",
        "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "METRICS_TOKEN": TOKEN,
        "METRICS_ALLOWED_IPS": "10.0.0.0/8,127.0.0.1",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [("METRICS_ALLOWED_IPS", "10.0.0.0/33"), ("METRICS_TOKEN", "short"), ("LOG_FORMAT", "xml")],
)
def test_a_malformed_metrics_or_log_setting_stops_start_up_naming_it(tmp_path, variable, value):
    env = {**os.environ, "PORTAL_DATA_DIR": str(tmp_path), variable: value}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode != 0
    assert variable in result.stderr
    assert value not in result.stderr or variable != "METRICS_TOKEN"  # a secret is not shown
