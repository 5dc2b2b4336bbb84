"""The run command gives web, worker and beat one multiprocess folder for /metrics, emptied
before they start."""

from django.core.management import call_command

from portal.ops.management.commands import runstack


def test_the_stack_hands_every_portal_process_the_same_emptied_metrics_folder(
    monkeypatch, settings, tmp_path
):
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_oldhost-123.db").write_bytes(b"from an earlier run")
    settings.PROMETHEUS_MULTIPROC_DIR = str(folder)
    started = {}
    monkeypatch.setattr(runstack, "run_until_signal", lambda stack, **kwargs: 0)
    monkeypatch.setattr(runstack, "Stack", lambda services, **kwargs: started.update(
        {service.name: service.env for service in services}))  # fmt: skip

    call_command("runstack")

    assert {started[name]["PROMETHEUS_MULTIPROC_DIR"] for name in ("web", "worker", "beat")} == {
        str(folder)
    }
    assert not list(folder.glob("*.db"))


def test_without_a_setting_the_folder_is_under_the_data_dir(monkeypatch, settings, tmp_path):
    settings.PROMETHEUS_MULTIPROC_DIR = None
    settings.DATA_DIR = tmp_path
    started = {}
    monkeypatch.setattr(runstack, "run_until_signal", lambda stack, **kwargs: 0)
    monkeypatch.setattr(runstack, "Stack", lambda services, **kwargs: started.update(
        {service.name: service.env for service in services}))  # fmt: skip

    call_command("runstack")

    assert started["worker"]["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "metrics")
    assert (tmp_path / "metrics").is_dir()
