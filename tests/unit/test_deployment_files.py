"""docker-compose.yml and .env.example agree with the code (no Docker engine runs here)."""

import re
import shlex
from importlib import import_module
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat")


def variables_read_by_the_code() -> set[str]:
    pattern = re.compile(
        r"env\.(?:str|bool|int|float|list|networks|choice|url|required|raw|secret)\(\s*\"([A-Z_]+)\""
    )
    names = set()
    for path in (ROOT / "portal").rglob("*.py"):
        names.update(pattern.findall(path.read_text()))
    return names


def variables_documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE))


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_env_example_documents_exactly_the_variables_the_code_reads():
    read = variables_read_by_the_code()
    assert read, "the scan found no variables: the pattern is broken"
    assert read == variables_documented()


def test_app_services_share_one_definition(compose):
    images = {compose["services"][name]["image"] for name in APP_SERVICES}
    assert images == {"frappe-task-portal:latest"}


def test_compose_has_every_service_the_portal_needs(compose):
    assert set(compose["services"]) >= {"web", "worker", "beat", "redis", "postgres", "mailpit"}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_app_service_command_exists_in_the_project(compose, service):
    argv = shlex.split(compose["services"][service]["command"])
    if argv[:2] == ["python", "manage.py"]:
        assert argv[2] in get_commands()
    elif argv[0] == "gunicorn":
        module, _, attribute = argv[1].partition(":")
        assert hasattr(import_module(module), attribute or "application")
    elif argv[0] == "celery":
        assert argv[1:3] == ["-A", "portal"]
        assert import_module("portal").celery_app.main == "portal"
        assert argv[3] in {"worker", "beat"}
    else:
        pytest.fail(f"unknown command {argv}")


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_variable_compose_sets_is_read_by_the_portal(compose, service):
    names = set(compose["services"][service]["environment"])
    assert names <= variables_read_by_the_code()


@pytest.mark.parametrize("service", ("web", "worker", "beat"))
def test_app_health_checks_use_healthz(compose, service):
    check = compose["services"][service]["healthcheck"]["test"]
    assert check[1:4] == ["python", "manage.py", "healthcheck"]
    assert "healthcheck" in get_commands()
    assert check[4].endswith("/healthz")


def test_everything_the_image_copies_exists():
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source


GUNICORN_CONFIG = ["-c", "python:portal.ops.gunicorn_conf"]


def passes_the_config(argv: list[str]) -> bool:
    return any(argv[i : i + 2] == GUNICORN_CONFIG for i in range(len(argv)))


def test_gunicorn_is_started_with_the_redacting_config_in_compose_and_the_image(compose):
    """The config module turns the access log on and keeps secrets in URLs out of it."""
    import json

    module = GUNICORN_CONFIG[1].removeprefix("python:")
    assert import_module(module).logger_class.__name__ == "RedactingLogger"
    assert passes_the_config(shlex.split(compose["services"]["web"]["command"]))
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", "")
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    argv = json.loads(cmd.removeprefix("CMD "))
    assert argv[0] == "gunicorn" and passes_the_config(argv)


def test_every_gunicorn_command_in_the_readme_passes_the_redacting_config():
    text = (ROOT / "README.md").read_text().replace("\\\n", "")
    commands = [line for line in text.splitlines() if re.match(r"\s*(\.venv/bin/)?gunicorn ", line)]
    assert commands, "the README shows no gunicorn command"
    for line in commands:
        assert passes_the_config(shlex.split(line.split("#")[0])), line


def test_the_run_command_starts_gunicorn_with_the_redacting_config(monkeypatch):
    from django.core.management import call_command

    from portal.ops.management.commands import runstack

    started = {}
    monkeypatch.setattr(runstack, "run_until_signal", lambda stack, **kwargs: 0)
    monkeypatch.setattr(runstack, "Stack", lambda services, **kwargs: started.update(
        {service.name: service.argv for service in services}))  # fmt: skip
    call_command("runstack")
    assert "gunicorn" in started["web"] and passes_the_config(started["web"])


# --- Metrics: the prometheus service, its scrape config, the shared multiprocess folder -------

PROMETHEUS_CONFIG = ROOT / "ops" / "prometheus" / "prometheus.yml"


def test_prometheus_scrapes_the_web_services_metrics_with_the_token(compose):
    from django.urls import reverse

    service = compose["services"]["prometheus"]
    mounted = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"] if v.startswith("./")}
    assert (ROOT / mounted["/etc/prometheus/prometheus.yml"]).resolve() == PROMETHEUS_CONFIG
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == reverse("metrics")
    [target] = [t for group in job["static_configs"] for t in group["targets"]]
    host, port = target.split(":")
    assert host == "web" and f"0.0.0.0:{port}" in compose["services"]["web"]["command"]
    assert host in compose["x-app"]["environment"]["ALLOWED_HOSTS"]  # its Host header
    # The token: a compose secret made from METRICS_TOKEN, the variable the portal checks.
    assert job["authorization"]["type"] == "Bearer"
    [secret] = service["secrets"]
    assert job["authorization"]["credentials_file"] == f"/run/secrets/{secret}"
    assert compose["secrets"][secret]["environment"] == "METRICS_TOKEN"
    assert "METRICS_TOKEN" in variables_read_by_the_code()


def test_web_and_workers_share_one_in_memory_metrics_folder(compose):
    folders = set()
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        folder = service["environment"]["PROMETHEUS_MULTIPROC_DIR"]
        [volume] = [v.split(":")[0] for v in service["volumes"] if v.split(":")[1] == folder]
        folders.add((volume, folder))
    [(volume, _)] = folders  # the same volume at the same place in every container
    assert compose["volumes"][volume]["driver_opts"]["type"] == "tmpfs"


def test_the_example_dashboard_is_valid_json_reading_prometheus():
    import json

    dashboard = json.loads((ROOT / "ops" / "grafana" / "portal-dashboard.json").read_text())
    targets = [t for panel in dashboard["panels"] for t in panel.get("targets", [])]
    assert len(targets) >= 10
    assert all(t["datasource"]["type"] == "prometheus" and t["expr"] for t in targets)
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
