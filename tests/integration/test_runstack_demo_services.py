"""What `make run` (runstack --demo) starts: a mail catcher the portal's processes send to over
SMTP unless EMAIL_HOST is set, and stand-in sites with state files in the data folder."""

from __future__ import annotations

from django.core.management import call_command

from portal.ops.management.commands import runstack


def _services(monkeypatch, *args) -> dict:
    started = {}
    monkeypatch.setattr(runstack, "call_command", lambda *a, **k: None)  # no migrate here
    monkeypatch.setattr(runstack, "run_until_signal", lambda stack, **kwargs: 0)
    monkeypatch.setattr(runstack, "Stack", lambda services, **kwargs: started.update(
        {service.name: service for service in services}))  # fmt: skip
    call_command("runstack", *args)
    return started


def test_the_demo_sends_its_mail_over_smtp_to_its_own_catcher(monkeypatch, settings, tmp_path):
    settings.DATA_DIR, settings.EMAIL_HOST = tmp_path, None
    services = _services(monkeypatch, "--demo", "--port", "8700", "--standin-port-base", "8711")
    mail = services["mail"]
    port = mail.argv[mail.argv.index("--port") + 1]
    assert mail.argv[mail.argv.index("--folder") + 1] == str(tmp_path / "mail")
    for name in ("web", "worker", "beat"):
        assert services[name].env["EMAIL_HOST"] == "127.0.0.1"
        assert services[name].env["EMAIL_PORT"] == port
    for name, file in (("standin", "frappe"), ("djangocrm", "djangocrm"), ("espocrm", "espocrm")):
        argv = services[name].argv
        assert argv[argv.index("--state-file") + 1] == str(tmp_path / "standin" / f"{file}.json")


def test_a_configured_mail_server_is_used_as_it_is(monkeypatch, settings, tmp_path):
    settings.DATA_DIR, settings.EMAIL_HOST = tmp_path, "smtp.example.org"
    services = _services(monkeypatch, "--demo", "--no-standin", "--port", "8700")
    assert "mail" not in services and "EMAIL_HOST" not in services["worker"].env


def test_without_demo_there_is_no_catcher_and_no_stand_in(monkeypatch, settings, tmp_path):
    settings.DATA_DIR, settings.EMAIL_HOST = tmp_path, None
    assert set(_services(monkeypatch, "--port", "8700")) == {"web", "worker", "beat"}
